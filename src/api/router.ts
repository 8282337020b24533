// Routes are regexes because image names contain slashes (`/images/{name:.*}/json`).
import type { Handler } from './http.js';

interface Route { method: string; re: RegExp; handler: Handler }

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    // {name} matches one segment, {name*} matches the rest including slashes.
    const src = pattern
      .replace(/[.+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{(\w+)\*\}/g, '(.+)')
      .replace(/\{(\w+)\}/g, '([^/]+)');
    this.routes.push({ method, re: new RegExp(`^${src}$`), handler });
    return this;
  }

  get(p: string, h: Handler): this { return this.add('GET', p, h); }
  post(p: string, h: Handler): this { return this.add('POST', p, h); }
  put(p: string, h: Handler): this { return this.add('PUT', p, h); }
  delete(p: string, h: Handler): this { return this.add('DELETE', p, h); }
  head(p: string, h: Handler): this { return this.add('HEAD', p, h); }

  match(method: string, path: string): { handler: Handler; params: string[] } | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.re.exec(path);
      if (m) return { handler: r.handler, params: m.slice(1).map(decodeURIComponent) };
    }
    return undefined;
  }
}

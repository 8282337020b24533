// RFC 7235 `WWW-Authenticate` challenges as registries send them, e.g.
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
//   Basic realm="basic-realm"
// A header may carry several challenges, separated by commas like the parameters are; a token
// followed by whitespace and not by `=` starts a new challenge (distribution's registry/client/auth/challenge).

export interface Challenge {
  /** Lower-cased auth scheme: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function parseChallenges(headers: string | string[] | undefined): Challenge[] {
  if (headers === undefined) return [];
  const out: Challenge[] = [];
  for (const h of Array.isArray(headers) ? headers : [headers]) out.push(...parseOne(h));
  return out;
}

function parseOne(s: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const skipSpace = () => { while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++; };
  const token = () => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  // Lenient: an unquoted value runs to the next comma or blank (realms are URLs).
  const bare = () => {
    const start = i;
    while (i < s.length && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
    return s.slice(start, i);
  };
  const quoted = () => {
    // s[i] === '"'
    i++;
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i++];
    }
    i++; // closing quote (or end)
    return v;
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    skipSpace();
    if (s[i] === ',') { i++; continue; }
    const name = token();
    if (!name) { i++; continue; } // junk: skip a character
    const afterName = i;
    skipSpace();
    if (s[i] === '=' && current) {
      i++;
      skipSpace();
      const value = s[i] === '"' ? quoted() : bare();
      current.params[name.toLowerCase()] = value;
      continue;
    }
    // A new challenge: `scheme` then maybe a token68 or parameters.
    i = afterName;
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    skipSpace();
    // token68 form (`Negotiate abc==`): kept as the `token68` parameter.
    const save = i;
    const t = token();
    if (t) {
      let j = i;
      while (s[j] === '=') j++;
      const rest = s.slice(j).trimStart();
      if (j > i && (rest === '' || rest.startsWith(','))) { current.params.token68 = s.slice(save, j); i = j; continue; }
    }
    i = save;
  }
  return out;
}

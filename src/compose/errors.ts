// One error type for the compose model and orchestration: a stable code, the user-facing text
// (with file and line when the model knows them), and the exit status the CLI uses.
export type ComposeErrorCode = 'Invalid' | 'NotFound' | 'Interpolation' | 'DependencyFailed' | 'Failed';

export class ComposeError extends Error {
  constructor(readonly code: ComposeErrorCode, message: string, readonly status = 1) {
    super(message);
  }
}

export const invalid = (msg: string) => new ComposeError('Invalid', msg);

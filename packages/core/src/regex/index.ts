// User-supplied patterns and globs, matched in bounded time.
export { compileUserRegex, type CompiledUserRegex, type RegexProblem, type UserRegex } from './user-regex.js';
export { globMatch } from './glob.js';

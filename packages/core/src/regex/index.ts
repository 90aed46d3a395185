// User-supplied patterns and globs, matched in bounded time.
export { compileUserRegex, MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE, type CompiledUserRegex, type RegexProblem, type UserRegex } from './user-regex.js';
export { globMatch } from './glob.js';

// Redaction by value: the implementation lives in ./redact/ (forms, views, matcher, the secret registry).
export { assertSecretText, CONTROL, MIN_FUZZY_LENGTH, MIN_SECRET_LENGTH, REDACTION_MARK, RedactionStream, Redactor } from './redact/index.js';
export { heldSecretCount, holdSecrets, screenEntry, withSecrets } from './redact/registry.js';

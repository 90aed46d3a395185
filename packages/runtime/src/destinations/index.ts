// Destinations of copies (anchors, backups): the syntax and the one way a command destination runs.
export * from './command.js';
export * from './spec.js';

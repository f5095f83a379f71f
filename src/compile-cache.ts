import module from 'node:module';

/**
 * Node's on-disk compile cache (Node 22.1+): the second and later starts reuse V8's compiled code
 * for the CommonJS modules loaded from here on (TypeORM, the largest part of start-up, is one),
 * instead of compiling them again; about a fifth of start-up CPU. The cache lives in the OS temp
 * folder (or NODE_COMPILE_CACHE); when it cannot be written Node carries on without it.
 * Imported first by main.ts, so that it is on before the rest loads.
 */
module.enableCompileCache?.();

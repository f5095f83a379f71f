import module from 'node:module';

/**
 * Node's on-disk compile cache (Node 22.1+): the second and later starts reuse V8's compiled code
 * for the modules loaded from here on, ES modules and CommonJS alike (TypeORM, the largest part of
 * start-up, is CommonJS), instead of compiling them again. The cache lives in the OS temp
 * folder (or NODE_COMPILE_CACHE); when it cannot be written Node carries on without it.
 * Imported by main.ts before it loads the server (start.ts), so that it is on before the rest loads.
 */
module.enableCompileCache?.();

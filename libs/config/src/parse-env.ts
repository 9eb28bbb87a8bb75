import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './config-error';

export type Env = Record<string, string | undefined>;

/**
 * Reads `.env` (if present) under the real environment, which wins. Called once, in main.ts; nothing else
 * reads process.env.
 */
export function readEnvironment(envFile = '.env'): Env {
  const fromFile: Env = {};
  if (existsSync(envFile)) {
    const saved = { ...process.env };
    process.loadEnvFile(envFile);
    for (const [k, v] of Object.entries(process.env)) if (saved[k] === undefined) fromFile[k] = v;
    // Restore so .env never leaks into process.env beyond this call.
    for (const k of Object.keys(fromFile)) delete process.env[k];
  }
  return { ...fromFile, ...process.env };
}

/** An object of variables, or one whose values are then resolved further (e.g. defaults that depend on another variable). */
type EnvSchema = z.ZodObject | z.ZodPipe<z.ZodObject, z.ZodType>;

/** Validates the variables a schema names; a wrong value throws a ConfigError naming the variable and why. */
export function parseEnv<S extends EnvSchema>(schema: S, env: Env): z.infer<S> {
  const picked: Env = {};
  const shape = schema instanceof z.ZodPipe ? (schema.in as z.ZodObject).shape : (schema as z.ZodObject).shape;
  for (const key of Object.keys(shape)) {
    const value = env[key];
    // An empty value means "use the default", as in .env.example.
    picked[key] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = schema.safeParse(picked);
  if (result.success) return result.data as z.infer<S>;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      const got = picked[variable];
      // A secret's value is never echoed, not even a wrong one; nor is a database URL, which carries a password.
      const shown = /SECRET|PASSWORD|_TOKEN$|API_KEY|DATABASE_URL/.test(variable) ? `${got?.length} characters` : `"${got}"`;
      return { variable, reason: `${issue.message}${got === undefined ? ' (not set)' : ` (got ${shown})`}` };
    }),
  );
}

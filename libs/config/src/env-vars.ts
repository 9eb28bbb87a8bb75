import { z } from 'zod';

// Small builders so each app's schema reads like its .env.example section.

export const intVar = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ message: `must be an integer between ${min} and ${max}` })
    .int({ message: `must be an integer between ${min} and ${max}` })
    .min(min, { message: `must be an integer between ${min} and ${max}` })
    .max(max, { message: `must be an integer between ${min} and ${max}` })
    .default(fallback);

export const numberVar = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ message: `must be a number between ${min} and ${max}` })
    .min(min, { message: `must be a number between ${min} and ${max}` })
    .max(max, { message: `must be a number between ${min} and ${max}` })
    .default(fallback);

export const boolVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1')
    .default(fallback);

export const enumVar = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.enum(values, { message: `must be one of ${values.join(', ')}` }).default(fallback as never);

export const stringVar = (fallback: string) => z.string().min(1).default(fallback);

/** A string that may be left empty: the empty string means "not set", and the reader of the config decides what that implies. */
export const optionalStringVar = () => z.string().default('');

/** An http(s) URL, e.g. an API base such as http://127.0.0.1:8080/v1. */
export const urlVar = (fallback: string) => z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).default(fallback);

/** An http(s) URL that may be left empty: the empty string means "not set". */
export const optionalUrlVar = () => z.union([z.literal(''), z.url({ protocol: /^https?$/, message: 'must be an http(s) URL or empty' })]).default('');

/** An integer that may be left empty: undefined then, and the reader of the config decides what that implies. */
export const optionalIntVar = (min: number, max: number) =>
  z.coerce
    .number({ message: `must be an integer between ${min} and ${max}` })
    .int({ message: `must be an integer between ${min} and ${max}` })
    .min(min, { message: `must be an integer between ${min} and ${max}` })
    .max(max, { message: `must be an integer between ${min} and ${max}` })
    .optional();

/** A number that may be left empty: undefined then, and the reader of the config decides what that implies. */
export const optionalNumberVar = (min: number, max: number) =>
  z.coerce
    .number({ message: `must be a number between ${min} and ${max}` })
    .min(min, { message: `must be a number between ${min} and ${max}` })
    .max(max, { message: `must be a number between ${min} and ${max}` })
    .optional();

/**
 * Reading one flag's value (from the command line or SQS_BLAST_<FLAG>) and refusing a bad one in
 * one line that names the flag, its variable and the fix.
 */
import { UsageError } from '../errors.js';

/** What the yargs parser hands over (camelCase keys; undefined when neither flag nor env set). */
export interface RawArgs {
  [key: string]: unknown;
}

export function flagOf(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

export function envOf(key: string): string {
  return 'SQS_BLAST_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

export function describe(key: string): string {
  return `${flagOf(key)} (env ${envOf(key)})`;
}

export function shown(value: unknown): string {
  return typeof value === 'number' && Number.isNaN(value) ? 'not a number' : JSON.stringify(value);
}

/** A whole number in [min, max]; undefined when not given. */
export function intArg(args: RawArgs, key: string, min: number, max: number, hint = ''): number | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    throw new UsageError(`${describe(key)} must be ${range} (got ${shown(v)})${hint ? '; ' + hint : ''}`);
  }
  return v;
}

/** A positive number (seconds, rates); undefined when not given. */
export function positiveArg(args: RawArgs, key: string, hint = '', named = describe(key)): number | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new UsageError(`${named} must be a number > 0 (got ${shown(v)})${hint ? '; ' + hint : ''}`);
  }
  return v;
}

/** positiveArg for a flag no SQS_BLAST_* variable sets (k8s run, report --wait): the message names the flag alone. */
export function positiveFlag(args: RawArgs, key: string, hint = ''): number | undefined {
  return positiveArg(args, key, hint, flagOf(key));
}

export function nonNegativeArg(args: RawArgs, key: string): number | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new UsageError(`${describe(key)} must be a number >= 0 (got ${shown(v)})`);
  return v;
}

export function stringArg(args: RawArgs, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return stringArg({ [key]: v[v.length - 1] }, key);
  return String(v);
}

export function stringList(args: RawArgs, key: string): string[] {
  const v = args[key];
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v : [v];
  // Env values arrive as one string; allow comma or space separated lists there.
  return items.flatMap((s) => String(s).split(/[,\s]+/)).filter(Boolean);
}

/** The spellings of a boolean in the environment: true/1 and false/0; anything else is undefined. */
export function boolText(v: unknown): boolean | undefined {
  return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : undefined;
}

export function boolArg(args: RawArgs, key: string): boolean | undefined {
  const v = args[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  const b = boolText(v);
  if (b === undefined) throw new UsageError(`${describe(key)} must be true or false (got ${shown(v)})`);
  return b;
}

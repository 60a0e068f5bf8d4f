// Hardware profiles: a named machine (this one, a what-if, or one imported from a file) with its
// calibration and benchmark results, kept in one versioned store file that every face shares.
import { z } from 'zod';
import { BenchRecordSchema } from './bench';
import { HardwareSnapshotSchema, SpeedCalibrationSchema } from './hardware';
import { WhatIfSchema } from './report';

/** The store file's format; a file with a larger number was written by a newer rightsize. */
export const PROFILE_STORE_VERSION = 1;
/** Benchmark records kept per profile (the newest). */
export const MAX_PROFILE_BENCH_RECORDS = 200;
/** An import's text, and an imported object once serialised, may not be larger than this. */
export const MAX_PROFILE_IMPORT_CHARS = 1024 * 1024;
const MAX_PROFILE_NAME_CHARS = 64;

// Control characters and the bidirectional overrides that make a shown name differ from the stored one.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A name is never a path, but exports and the UI show it: no separators, no control characters, not "." or "..". */
const ProfileNameSchema = z
  .string()
  .max(4 * MAX_PROFILE_NAME_CHARS)
  .trim()
  .min(1, 'a profile name cannot be empty')
  .max(MAX_PROFILE_NAME_CHARS, `a profile name has at most ${MAX_PROFILE_NAME_CHARS} characters`)
  .refine((name) => !/[\\/]/.test(name), 'a profile name cannot contain / or \\')
  .refine((name) => !UNPRINTABLE.test(name), 'a profile name cannot contain control characters')
  .refine((name) => name !== '.' && name !== '..', 'a profile name cannot be "." or ".."');

const ProfileOriginSchema = z.enum(['detected', 'what-if', 'imported']);

export const ProfileSchema = z.object({
  name: ProfileNameSchema,
  createdAt: z.string().max(64),
  updatedAt: z.string().max(64),
  origin: ProfileOriginSchema,
  hardware: HardwareSnapshotSchema,
  /** The quick probe's calibration of this profile's CPU, or null (speeds from bandwidth alone). */
  calibration: SpeedCalibrationSchema.nullable(),
  benchRecords: z.array(BenchRecordSchema).max(MAX_PROFILE_BENCH_RECORDS),
  note: z.string().max(1000).optional(),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** The store file (profiles.json): the same for conf (CLI, web mode) and electron-store (the app). */
export const ProfileStoreFileSchema = z.object({
  version: z.literal(PROFILE_STORE_VERSION),
  profiles: z.array(ProfileSchema),
});

/** What `exportProfile` gives and `importProfile` takes: one profile, labelled so a stray JSON file is recognised. */
export const ProfileExportSchema = z.object({
  format: z.literal('rightsize-profile'),
  version: z.literal(PROFILE_STORE_VERSION),
  profile: ProfileSchema,
});

const ProfileSummarySchema = z.object({
  name: z.string(),
  origin: ProfileOriginSchema,
  gpus: z.array(z.object({ name: z.string(), vramBytes: z.number().nullable(), backend: z.string() })),
  ramBytes: z.number(),
  cpu: z.string(),
  calibrated: z.boolean(),
  benchRecords: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type ProfileSummary = z.infer<typeof ProfileSummarySchema>;

export const ProfileListSchema = z.object({
  profiles: z.array(ProfileSummarySchema),
  /** Set when the store file could not be read as it was: what happened to it, where its copy is. */
  problem: z.string().nullable(),
});

const ProfileNameRequestSchema = z.object({ name: ProfileNameSchema }).strict();
export const GetProfileRequestSchema = ProfileNameRequestSchema;
export const DeleteProfileRequestSchema = ProfileNameRequestSchema;
export const ExportProfileRequestSchema = ProfileNameRequestSchema;

export const SaveProfileRequestSchema = z
  .object({
    name: ProfileNameSchema,
    /** This machine as detected (with its calibration and benchmark history), or what-if hardware built from it. */
    from: z.union([z.literal('detected'), z.object({ whatIf: WhatIfSchema }).strict()]),
    overwrite: z.boolean().default(false),
  })
  .strict();

export const RenameProfileRequestSchema = z.object({ from: ProfileNameSchema, to: ProfileNameSchema }).strict();

/** Deeper than any profile needs: an import nested further is refused before anything reads it. */
const MAX_IMPORT_DEPTH = 32;
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why a parsed import cannot be a profile document (too deep, too large, prototype keys), or null.
 * Walks without recursion, so a 10,000-deep document costs nothing and reaches no stack limit.
 */
export function importShapeProblem(value: unknown): string | null {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  let nodes = 0;
  while (pending.length) {
    const item = pending.pop() as { value: unknown; depth: number };
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > MAX_IMPORT_DEPTH) return `it is nested more than ${MAX_IMPORT_DEPTH} levels deep`;
    if (++nodes > 200_000) return 'it holds too many values';
    const entries = Array.isArray(item.value) ? item.value.map((v, i) => [String(i), v] as const) : Object.entries(item.value);
    for (const [key, child] of entries) {
      if (PROTOTYPE_KEYS.has(key)) return `it holds a "${key}" key`;
      pending.push({ value: child, depth: item.depth + 1 });
    }
  }
  if (JSON.stringify(value).length > MAX_PROFILE_IMPORT_CHARS) return `it is larger than ${MAX_PROFILE_IMPORT_CHARS / 1024} KiB`;
  return null;
}

export const ImportProfileRequestSchema = z
  .object({
    /** An exported profile: its JSON text (what a file holds) or the parsed object. Never a path. */
    document: z.union([
      z.string().min(1).max(MAX_PROFILE_IMPORT_CHARS),
      z.record(z.string().max(64), z.unknown()).superRefine((value, ctx) => {
        const problem = importShapeProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: `not a profile document: ${problem}` });
      }),
    ]),
    /** Save it under this name instead of the one inside. */
    name: ProfileNameSchema.optional(),
    overwrite: z.boolean().default(false),
  })
  .strict();

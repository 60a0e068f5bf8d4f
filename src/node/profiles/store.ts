// Saved hardware profiles: one versioned file, profiles.json, in the data folder the app shares with
// the CLI and the web mode. Written through a small backend: `conf` here, electron-store (built on
// conf, same file format) in the app, both writing atomically. Every read checks the whole file:
// a file that is not what this version writes is copied aside, the user is told, and what still
// validates is kept. Nothing is ever wiped silently.
import { copyFileSync, constants, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import { PROFILE_STORE_VERSION, ProfileSchema, ProfileStoreFileSchema, type Profile } from '../../shared/schema';
import { parseMaybeTruncatedJson } from '../truncated-json';
import { clip, UserFacingError } from '../user-error';

const STORE_NAME = 'profiles';

/** What the store needs of conf or electron-store: the file's path, and `store`, whose assignment replaces the whole file atomically. */
interface ProfileStoreBackend {
  readonly path: string;
  store: Record<string, unknown>;
}

/** Both libraries are opened with the same name and folder, so they read and write the same file. */
export interface ProfileBackendOptions {
  name: typeof STORE_NAME;
  cwd: string;
  /** A file that cannot be parsed is this store's to back up, never the library's to clear. */
  clearInvalidConfig: false;
}
export type ProfileBackendFactory = (options: ProfileBackendOptions) => ProfileStoreBackend;

const confBackend: ProfileBackendFactory = (options) =>
  new Conf<Record<string, unknown>>({ configName: options.name, cwd: options.cwd, projectName: 'rightsize', clearInvalidConfig: false });

/** Upgrades a store file from version N (the key) to N + 1. */
type ProfileStoreMigrations = Readonly<Record<number, (file: Record<string, unknown>) => Record<string, unknown>>>;
/** Version 1 is the first; a change of format adds its step here. */
const MIGRATIONS: ProfileStoreMigrations = {};

export interface ProfileStore {
  readonly path: string;
  /** The profiles, and what went wrong reading the file (its copy's path) since the store was opened. */
  list(): { profiles: Profile[]; problem: string | null };
  /** The profile of that name (in any case); an unknown name is an error that lists the saved ones. */
  get(name: string): Profile;
  save(profile: Profile, overwrite: boolean): Profile;
  rename(from: string, to: string): Profile;
  remove(name: string): void;
}

export interface ProfileStoreOptions {
  dir: string;
  backend?: ProfileBackendFactory;
  migrations?: ProfileStoreMigrations;
  now?: () => Date;
}

const sameName = (a: string, b: string): boolean => a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each entry that still validates as a profile, the first of any two with the same name. */
function validProfiles(entries: unknown): Profile[] {
  const kept: Profile[] = [];
  for (const entry of Array.isArray(entries) ? entries : []) {
    const parsed = ProfileSchema.safeParse(entry);
    if (parsed.success && !kept.some((p) => sameName(p.name, parsed.data.name))) kept.push(parsed.data);
  }
  return kept;
}

interface Loaded {
  profiles: Profile[];
  /** False for a file from a newer rightsize: it is read, never overwritten. */
  writable: boolean;
  readOnlyReason: string | null;
}

export function openProfileStore(options: ProfileStoreOptions): ProfileStore {
  const path = join(options.dir, `${STORE_NAME}.json`);
  const migrations = options.migrations ?? MIGRATIONS;
  const now = options.now ?? (() => new Date());
  let backend: ProfileStoreBackend | null = null;
  let problem: string | null = null;

  const write = (profiles: Profile[]): void => {
    const file = ProfileStoreFileSchema.parse({ version: PROFILE_STORE_VERSION, profiles });
    backend ??= (options.backend ?? confBackend)({ name: STORE_NAME, cwd: options.dir, clearInvalidConfig: false });
    // The whole file, not a merge of keys: a migration's dropped keys must not survive it.
    backend.store = { ...file };
  };

  const asidePath = (label: string): string => {
    const base = `${path}.${label}-${now().toISOString().replace(/[:.]/g, '-')}`;
    let candidate = base;
    for (let n = 2; existsQuietly(candidate); n++) candidate = `${base}-${n}`;
    return candidate;
  };

  /** A copy of the file beside it, or the copy an earlier read already made of the same bytes. */
  const copyAside = (text: string): string => {
    const earlier = readdirSync(options.dir)
      .filter((f) => f.startsWith(`${STORE_NAME}.json.corrupt-`))
      .map((f) => join(options.dir, f))
      .find((f) => readQuietly(f) === text);
    if (earlier) return earlier;
    const aside = asidePath('corrupt');
    copyFileSync(path, aside, constants.COPYFILE_EXCL);
    return aside;
  };

  const report = (message: string): void => {
    problem = message;
  };

  /** Moves what is at the store's path aside, keeps the profiles that validate, and says so. */
  const recover = (why: string, entries: unknown): Loaded => {
    const aside = asidePath('corrupt');
    renameSync(path, aside);
    const kept = validProfiles(entries);
    if (kept.length) write(kept);
    report(
      `The profiles file (${path}) could not be read as it was (${why}); it was moved to ${aside}` +
        (kept.length ? ` and the ${kept.length} profile(s) that could still be read were kept.` : '; no profile in it could be read.'),
    );
    return { profiles: kept, writable: true, readOnlyReason: null };
  };

  const load = (): Loaded => {
    let text: string;
    try {
      if (statSync(path).isDirectory()) return recover('a folder is where the file should be', []);
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: [], writable: true, readOnlyReason: null };
      throw new UserFacingError(`The profiles file (${path}) cannot be read: ${(error as Error).message}.`, 'profiles');
    }
    if (text.trim() === '') return recover('it is empty', []);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      const partial = parseMaybeTruncatedJson(text);
      return recover('it is not complete JSON', isRecord(partial) ? partial.profiles : partial);
    }
    const version = isRecord(data) ? data.version : undefined;
    if (typeof version === 'number' && Number.isInteger(version) && version > PROFILE_STORE_VERSION) {
      const aside = copyAside(text);
      const readable = validProfiles((data as Record<string, unknown>).profiles);
      const reason = `it was written by a newer rightsize (store version ${version}; this one knows version ${PROFILE_STORE_VERSION})`;
      report(
        `The profiles file (${path}) cannot be changed: ${reason}. It was left untouched (a copy is at ${aside}); ` +
          `${readable.length} profile(s) in it could be read. Update rightsize to change profiles.`,
      );
      return { profiles: readable, writable: false, readOnlyReason: reason };
    }
    if (typeof version === 'number' && Number.isInteger(version) && version >= 0 && version < PROFILE_STORE_VERSION) {
      return migrate(data as Record<string, unknown>, version, text);
    }
    const parsed = ProfileStoreFileSchema.safeParse(data);
    if (parsed.success) return { profiles: parsed.data.profiles, writable: true, readOnlyReason: null };
    const issue = parsed.error.issues[0];
    return recover(clip(`${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'wrong shape'}`), isRecord(data) ? data.profiles : data);
  };

  /** Runs each step from the file's version to this one, keeping a copy of the file as it was. */
  const migrate = (data: Record<string, unknown>, from: number, text: string): Loaded => {
    let file = data;
    for (let version = from; version < PROFILE_STORE_VERSION; version++) {
      const step = migrations[version];
      if (!step) return recover(`store version ${from} has no upgrade to version ${PROFILE_STORE_VERSION}`, data.profiles);
      file = { ...step(file), version: version + 1 };
    }
    const parsed = ProfileStoreFileSchema.safeParse(file);
    if (!parsed.success) return recover(`its upgrade from store version ${from} did not validate`, file.profiles);
    const before = asidePath(`v${from}`);
    copyFileSync(path, before, constants.COPYFILE_EXCL);
    if (readQuietly(before) !== text)
      throw new UserFacingError(`The profiles file (${path}) could not be copied before its upgrade.`, 'profiles');
    write(parsed.data.profiles);
    return { profiles: parsed.data.profiles, writable: true, readOnlyReason: null };
  };

  const loadForChange = (): Profile[] => {
    const loaded = load();
    if (!loaded.writable)
      throw new UserFacingError(
        `Profiles cannot be changed: the file ${path} ${loaded.readOnlyReason ?? 'is read-only'}, and was left as it is. Update rightsize.`,
        'profiles-read-only',
      );
    return loaded.profiles;
  };

  const notFound = (name: string, profiles: Profile[]): UserFacingError =>
    new UserFacingError(
      profiles.length
        ? `No profile named "${name}". Saved profiles: ${profiles.map((p) => `"${p.name}"`).join(', ')}.`
        : `No profile named "${name}": none is saved yet (save this machine with \`rightsize profiles save NAME\`).`,
      'not-found',
    );

  return {
    path,
    list() {
      const { profiles } = load();
      return { profiles, problem };
    },
    get(name) {
      const { profiles } = load();
      const found = profiles.find((p) => sameName(p.name, name));
      if (!found) throw notFound(name, profiles);
      return found;
    },
    save(profile, overwrite) {
      const valid = ProfileSchema.parse(profile);
      const profiles = loadForChange();
      const existing = profiles.find((p) => sameName(p.name, valid.name));
      if (existing && !overwrite)
        throw new UserFacingError(`A profile named "${existing.name}" exists; overwrite it (--force) or choose another name.`, 'exists');
      const saved = existing ? { ...valid, createdAt: existing.createdAt } : valid;
      write(existing ? profiles.map((p) => (p === existing ? saved : p)) : [...profiles, saved]);
      return saved;
    },
    rename(from, to) {
      const profiles = loadForChange();
      const existing = profiles.find((p) => sameName(p.name, from));
      if (!existing) throw notFound(from, profiles);
      const clash = profiles.find((p) => p !== existing && sameName(p.name, to));
      if (clash) throw new UserFacingError(`A profile named "${clash.name}" exists; delete it first or choose another name.`, 'exists');
      const renamed = ProfileSchema.parse({ ...existing, name: to, updatedAt: now().toISOString() });
      write(profiles.map((p) => (p === existing ? renamed : p)));
      return renamed;
    },
    remove(name) {
      const profiles = loadForChange();
      const existing = profiles.find((p) => sameName(p.name, name));
      if (!existing) throw notFound(name, profiles);
      write(profiles.filter((p) => p !== existing));
    },
  };
}

function readQuietly(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function existsQuietly(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

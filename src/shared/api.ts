// HostApi: the one contract between a face (the Electron renderer, the browser page, the CLI) and
// the service. Each method has a zod input and output schema that both ends validate; long work
// runs as a "run" whose progress is pushed as events (IPC in Electron, Server-Sent Events in web
// mode, a callback in the CLI), never polled.
import { z } from 'zod';
import {
  BenchRecordSchema,
  BenchStartSchema,
  CompareRequestSchema,
  CompareResultSchema,
  PoolRequestSchema,
  PoolResultSchema,
  PresetListSchema,
  RunCommandsRequestSchema,
  RunCommandsResultSchema,
  DeleteProfileRequestSchema,
  EstimateRequestSchema,
  EstimateResultSchema,
  FinetuneRequestSchema,
  FinetuneResultSchema,
  ExportProfileRequestSchema,
  GetProfileRequestSchema,
  HardwareSnapshotSchema,
  ImportProfileRequestSchema,
  MeasureRequestSchema,
  ModelListSchema,
  ModelsRequestSchema,
  ProfileExportSchema,
  ProfileListSchema,
  ProfileSchema,
  RenameProfileRequestSchema,
  ReportRequestSchema,
  ReportSchema,
  RunStateSchema,
  SaveProfileRequestSchema,
  UpgradeAdviceSchema,
  UpgradeRequestSchema,
} from './schema';

const RunIdSchema = z.object({ runId: z.string().uuid() }).strict();
const NoInputSchema = z.object({}).strict();

const VersionSchema = z.object({
  app: z.string(),
  node: z.string(),
  face: z.enum(['electron', 'web', 'cli']),
  /** llama.cpp's llama-bench found on this host (PATH or RIGHTSIZE_LLAMA_BENCH), or why it could not be used. */
  llamaBench: z.object({ path: z.string().nullable(), problem: z.string().nullable() }),
});

export const HostApiSchemas = {
  /** Detected (or what-if) hardware, the start-small ladder and the fit matrix. */
  getReport: { input: ReportRequestSchema, output: ReportSchema },
  /** What was detected, each figure with its source. */
  getHardware: { input: z.object({ refresh: z.boolean().default(false) }).strict(), output: HardwareSnapshotSchema },
  /** Memory per device and speed for one model (a GGUF file or a catalog id). */
  estimate: { input: EstimateRequestSchema, output: EstimateResultSchema },
  /** GGUF files already on this machine. */
  listModels: { input: ModelsRequestSchema, output: ModelListSchema },
  /** Runs: a user's benchmark, the calibration probe, a memory measurement. */
  startBench: { input: BenchStartSchema, output: RunStateSchema },
  /** fresh: forget the probes kept for this machine instead of pooling with them. */
  startProbe: { input: z.object({ fresh: z.boolean().default(false) }).strict(), output: RunStateSchema },
  startMeasure: { input: MeasureRequestSchema, output: RunStateSchema },
  getRun: { input: RunIdSchema, output: RunStateSchema },
  cancelRun: { input: RunIdSchema, output: RunStateSchema },
  listBenchHistory: { input: NoInputSchema, output: z.object({ records: z.array(BenchRecordSchema), problem: z.string().nullable() }) },
  getVersion: { input: NoInputSchema, output: VersionSchema },
  /** Saved hardware profiles, shared by every face; `profile` on getReport and estimate sizes against one. */
  listProfiles: { input: NoInputSchema, output: ProfileListSchema },
  getProfile: { input: GetProfileRequestSchema, output: ProfileSchema },
  saveProfile: { input: SaveProfileRequestSchema, output: ProfileSchema },
  renameProfile: { input: RenameProfileRequestSchema, output: ProfileSchema },
  deleteProfile: { input: DeleteProfileRequestSchema, output: z.object({ deleted: z.string() }) },
  exportProfile: { input: ExportProfileRequestSchema, output: ProfileExportSchema },
  importProfile: { input: ImportProfileRequestSchema, output: ProfileSchema },
  /** Which whole-machine and GPU presets run one model at a wanted speed, and what this machine lacks for it. */
  upgradeAdvice: { input: UpgradeRequestSchema, output: UpgradeAdviceSchema },
  /** 2 to 4 profiles ("this machine" is the detected one) side by side: hardware, ladder, each model's best precision. */
  compareProfiles: { input: CompareRequestSchema, output: CompareResultSchema },
  /** One catalog model split over 2 to 4 machines with llama.cpp's RPC: memory per node, speed over the link, commands. */
  planPool: { input: PoolRequestSchema, output: PoolResultSchema },
  /** The GPU and whole-machine presets a what-if profile can be built from. */
  listPresets: { input: NoInputSchema, output: PresetListSchema },
  /** Full fine-tuning, LoRA or QLoRA of one model: memory, fit, GPUs of a preset, time, energy, cost. */
  sizeFinetune: { input: FinetuneRequestSchema, output: FinetuneResultSchema },
  /** How to run it: llama-server, llama-cli, Ollama, LM Studio and node-llama-cpp commands for one model, placed as estimate sizes it, and the llama-bench line that checks the estimate. */
  runCommands: { input: RunCommandsRequestSchema, output: RunCommandsResultSchema },
} as const;

export type HostApiMethod = keyof typeof HostApiSchemas;
export const HOST_API_METHODS = Object.keys(HostApiSchemas) as HostApiMethod[];

export type HostApiInput<M extends HostApiMethod> = z.input<(typeof HostApiSchemas)[M]['input']>;
export type HostApiOutput<M extends HostApiMethod> = z.output<(typeof HostApiSchemas)[M]['output']>;

/** Pushed by the host: a run's progress and end, and detection news (node-llama-cpp answered later). */
export const HostEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run'), run: RunStateSchema }),
  z.object({
    type: z.literal('hardware'),
    /** detecting / detected: the host's detection; refreshed: a later, fuller answer (re-read the report); failed. */
    phase: z.enum(['detecting', 'detected', 'refreshed', 'failed']),
    message: z.string(),
  }),
]);
export type HostEvent = z.infer<typeof HostEventSchema>;
export type HostEventListener = (event: HostEvent) => void;

type HostApiMethods = { [M in HostApiMethod]: (input: HostApiInput<M>) => Promise<HostApiOutput<M>> };

/** What a page or the CLI holds: the methods, and a subscription to the host's events. */
export type HostApi = HostApiMethods & {
  /** Returns the function that unsubscribes. */
  onEvent(listener: HostEventListener): () => void;
};

/** IPC channel name for a method, the same in main and preload. */
export const ipcChannel = (method: HostApiMethod): string => `rightsize:${method}`;
/** The one IPC channel main pushes HostEvents on. */
export const EVENT_CHANNEL = 'rightsize:event';

/** What a host returns when a call fails: a message a user can act on. */
export const HostErrorSchema = z.object({ error: z.object({ message: z.string(), code: z.string() }) });
export type HostError = z.infer<typeof HostErrorSchema>;

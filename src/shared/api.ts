// HostApi: the one contract between the renderer and whichever host serves it (Electron IPC,
// the local HTTP host, or the CLI calling the service directly). Each method has a zod input
// and output schema; both ends validate.
import { z } from 'zod';
import {
  BenchRecordSchema,
  BenchRunStateSchema,
  BenchStartSchema,
  HardwareSnapshotSchema,
  ModelListSchema,
  ReportRequestSchema,
  ReportSchema,
} from './schema';

const RunIdSchema = z.object({ runId: z.string().uuid() }).strict();

export const HostApiSchemas = {
  getReport: { input: ReportRequestSchema, output: ReportSchema },
  getHardware: { input: z.object({ refresh: z.boolean().default(false) }).strict(), output: HardwareSnapshotSchema },
  getVersion: { input: z.object({}).strict(), output: z.object({
      app: z.string(),
      node: z.string(),
      face: z.enum(['electron', 'web', 'cli']),
      /** llama.cpp's llama-bench found on this host (PATH or RIGHTSIZE_LLAMA_BENCH), or why it could not be used. */
      llamaBench: z.object({ path: z.string().nullable(), problem: z.string().nullable() }).default({ path: null, problem: null }),
    }),
  },
  listModels: { input: z.object({ refresh: z.boolean().default(false) }).strict(), output: ModelListSchema },
  startBench: { input: BenchStartSchema, output: BenchRunStateSchema },
  startProbe: { input: z.object({}).strict(), output: BenchRunStateSchema },
  getBenchRun: { input: RunIdSchema, output: BenchRunStateSchema },
  cancelBench: { input: RunIdSchema, output: BenchRunStateSchema },
  listBenchHistory: { input: z.object({}).strict(), output: z.object({ records: z.array(BenchRecordSchema), problem: z.string().nullable() }) },
} as const;

export type HostApiMethod = keyof typeof HostApiSchemas;
export const HOST_API_METHODS = Object.keys(HostApiSchemas) as HostApiMethod[];

export type HostApiInput<M extends HostApiMethod> = z.input<(typeof HostApiSchemas)[M]['input']>;
export type HostApiOutput<M extends HostApiMethod> = z.output<(typeof HostApiSchemas)[M]['output']>;

export type HostApi = { [M in HostApiMethod]: (input: HostApiInput<M>) => Promise<HostApiOutput<M>> };

/** IPC channel name for a method, the same in main and preload. */
export const ipcChannel = (method: HostApiMethod): string => `rightsize:${method}`;

/** What a host returns when a call fails: a message a user can act on. */
export const HostErrorSchema = z.object({ error: z.object({ message: z.string(), code: z.string() }) });
export type HostError = z.infer<typeof HostErrorSchema>;

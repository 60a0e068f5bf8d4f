// The pool plan against hand-worked numbers: layers split by usable memory (llama.cpp's default -ts),
// each device's weight reads, and each hop's round trips and activations over the link.
import { describe, expect, it } from 'vitest';
import { hopSeconds, LINK_PRESETS, planPool, poolCommands, slowerThanSmaller, type PoolMachine } from '../../src/core/pool';
import { computeTarget } from '../../src/core/budget';
import { performanceCores } from '../../src/core/speed';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { parseLink } from '../../src/cli/commands/plan';
import { applyWhatIf } from '../../src/node/hardware/what-if';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import { GiB } from '../../src/shared/units';
import { makeGpu, makeSnapshot } from '../helpers/hardware';

const llama8b = (): ReturnType<typeof catalogModelAt> => {
  const entry = loadCatalog().find((m) => m.id === 'llama-3.1-8b');
  if (!entry) throw new Error('llama-3.1-8b is in the catalog');
  return catalogModelAt(entry, 'Q4_K_M');
};
/** A CPU-only 16 GB node with 40 GB/s of RAM bandwidth (the helper's default). */
const cpuNode = (name: string): PoolMachine => ({ name, host: name, hardware: makeSnapshot({ ramBytes: 16 * GiB }) });
/** A 32 GB node with one GPU. */
const gpuNode = (name: string, gpu: Parameters<typeof makeGpu>[0]): PoolMachine => ({
  name,
  host: name,
  hardware: makeSnapshot({ ramBytes: 32 * GiB, gpus: [makeGpu(gpu)] }),
});

describe('planPool', () => {
  it("counts each GPU's backend context as its own report does: the CUDA context by the card's SMs, on a worker too", () => {
    const planned = (name: string, gpuName: string): PoolMachine => ({
      name,
      host: name,
      hardware: applyWhatIf(makeSnapshot({ ramBytes: 64 * GiB }), { gpuName, ramBytes: 64 * GiB }, loadGpuPresets(), loadMachinePresets()),
    });
    const head = planned('A', 'RTX 4090');
    const worker = planned('B', 'RTX 3060');
    const plan = planPool([head, worker], llama8b(), 8192, 'f16', LINK_PRESETS['10GbE']);
    const byMachine = (m: number) => plan.devices.find((d) => d.machine === m);
    // 32 MiB + 1.85 KiB per resident thread + 100 MiB: 128 SMs of 1,536 threads on the 4090, 28 on the 3060.
    expect((byMachine(0)?.overheadBytes ?? 0) / 2 ** 20).toBeCloseTo(487.1, 1);
    expect((byMachine(1)?.overheadBytes ?? 0) / 2 ** 20).toBeCloseTo(209.7, 1);
    for (const d of plan.devices) expect(d.totalBytes).toBe(d.weightsBytes + d.kvBytes + d.computeBytes + d.overheadBytes);
    // The head alone holds what its own report's GPU column holds, context included.
    const alone = planPool([head], llama8b(), 8192, 'f16', LINK_PRESETS['1GbE']);
    const row = sizeModel(llama8b(), head.hardware, computeTarget(head.hardware), { contextTokens: 8192, kvType: 'f16' }).row;
    expect(row.fit).toBe('gpu');
    expect(Math.abs((alone.devices[0]?.totalBytes ?? 0) - row.memory.gpuBytes) / row.memory.gpuBytes).toBeLessThan(0.02);
  });

  it('a MoE with gated-delta-net blocks pays their costs on each GPU, so one Mac alone reads as its own report does', () => {
    const entry = loadCatalog().find((m) => m.id === 'qwen3.5-35b-a3b');
    if (!entry) throw new Error('qwen3.5-35b-a3b is in the catalog');
    const model = catalogModelAt(entry, 'Q4_K_M');
    const mac = (name: string): PoolMachine => ({
      name,
      host: name,
      hardware: applyWhatIf(
        makeSnapshot({ ramBytes: 128 * GiB }),
        { gpuName: 'Apple M5 Max', ramBytes: 128 * GiB },
        loadGpuPresets(),
        loadMachinePresets(),
      ),
    });
    const alone = planPool([mac('A')], model, 4096, 'f16', LINK_PRESETS['1GbE']);
    // 40 blocks at 150 µs, 30 of them gated-delta-net at 90 µs more, and the 8 routed experts of each block at 3 µs.
    expect(alone.devices[0]?.blockSecondsPerToken).toBeCloseTo(40 * 0.00015 + 30 * 0.00009 + 40 * 8 * 0.000003, 9);
    const hardware = mac('A').hardware;
    const row = sizeModel(model, hardware, computeTarget(hardware), { contextTokens: 4096, kvType: 'f16' }).row;
    expect(row.fit).toBe('gpu');
    expect(alone.tokPerSec / (row.tokPerSec ?? 0)).toBeGreaterThan(0.97);
    expect(alone.tokPerSec / (row.tokPerSec ?? 0)).toBeLessThan(1.03);
    // Split over two, the blocks' costs add up to the same (each device pays for the blocks it runs).
    const two = planPool([mac('A'), mac('B')], model, 4096, 'f16', LINK_PRESETS['10GbE']);
    expect(two.devices.reduce((sum, d) => sum + d.blockSecondsPerToken, 0)).toBeCloseTo(alone.devices[0]?.blockSecondsPerToken ?? 0, 9);
  });

  it("a CPU device pays its gated-delta-net blocks' state updates over its machine's cores, as a CPU-only row does", () => {
    const entry = loadCatalog().find((m) => m.id === 'qwen3.5-9b');
    if (!entry) throw new Error('qwen3.5-9b is in the catalog');
    const model = catalogModelAt(entry, 'Q4_K_M');
    const node = cpuNode('A');
    const cores = performanceCores(node.hardware.cpu);
    const alone = planPool([node], model, 4096, 'f16', LINK_PRESETS['1GbE']);
    // 32 blocks at 15 µs, and 24 gated-delta-net blocks of 32 heads of a 128 x 128 state at 3 ns an element-thread.
    expect(alone.devices[0]?.blockSecondsPerToken).toBeCloseTo(32 * 0.000015 + (24 * 32 * 128 * 128 * 3e-9) / cores, 9);
    const row = sizeModel(model, node.hardware, computeTarget(node.hardware), { contextTokens: 4096, kvType: 'f16' }).row;
    expect(row.speedSource?.detail).toContain(`24 gated-delta-net blocks on the CPU`);
    expect(alone.tokPerSec / (row.tokPerSec ?? 0)).toBeGreaterThan(0.97);
    expect(alone.tokPerSec / (row.tokPerSec ?? 0)).toBeLessThan(1.03);
  });

  it("pays each device's blocks at its backend's cost: two Macs' Metal blocks at 150 µs a token each", () => {
    const mac = (name: string): PoolMachine => ({
      name,
      host: name,
      hardware: applyWhatIf(
        makeSnapshot({ ramBytes: 64 * GiB }),
        { machine: 'mac-studio-m3-ultra-96gb' },
        loadGpuPresets(),
        loadMachinePresets(),
      ),
    });
    const plan = planPool([mac('A'), mac('B')], llama8b(), 4096, 'f16', LINK_PRESETS['1GbE']);
    // Each device's repeating blocks (the output layer is not one: the token's own cost covers it), as a single Mac's row.
    const blocksOf = (d: { layers: number }, i: number) => d.layers - (i === plan.devices.length - 1 ? 1 : 0);
    expect(plan.devices.map((d) => d.blockSecondsPerToken)).toEqual(plan.devices.map((d, i) => blocksOf(d, i) * 0.00015));
    expect(plan.fixedSecondsPerToken).toBeCloseTo(0.0003 + 32 * 0.00015, 12);
    expect(plan.tokPerSec).toBeCloseTo(1 / (plan.readSecondsPerToken + plan.fixedSecondsPerToken + plan.hopSecondsPerToken), 9);
  });

  it('splits Llama 3.1 8B Q4_K_M 1:1 over two CPU-only 16 GB nodes on 1GbE', () => {
    const model = llama8b();
    const plan = planPool([cpuNode('A'), cpuNode('B')], model, 4096, 'f16', LINK_PRESETS['1GbE']);
    // 32 blocks + the output layer = 33 layers, equal usable RAM: layer il goes to A while il/33 < 0.5,
    // so A (the head, on its CPU) runs blocks 0..16 and B (rpc-server) blocks 17..31 and the output:
    // llama-server -ngl 16 (the 16 layers not on the head's CPU), all of them on the one RPC device.
    expect(plan.devices.map((d) => d.layers)).toEqual([17, 16]);
    expect(plan.gpuLayers).toBe(16);
    expect(plan.tensorSplit).toEqual([1]);
    // A's blocks weigh 2,215,936,000 B (Q4_K_M mixes Q4_K and Q6_K rows, so blocks differ) plus the
    // 295,501,824 B input embedding table the head keeps; B's 15 blocks + the 430,956,544 B output = 2,401,460,224 B.
    expect(plan.devices[0]?.weightsBytes).toBe(2_215_936_000 + 295_501_824);
    expect(plan.devices[1]?.weightsBytes).toBe(2_401_460_224);
    // Read time per token at 40 GB/s x 0.9 (CPU efficiency) = 36e9 B/s:
    //   A: 2,215,936,000 / 36e9 = 61.554 ms (the embedding is a row lookup, not a read of the table)
    //   B: 2,401,460,224 / 36e9 = 66.707 ms
    expect(plan.devices[0]?.readSecondsPerToken).toBeCloseTo(2_215_936_000 / 36e9, 9);
    expect(plan.devices[1]?.readSecondsPerToken).toBeCloseTo(2_401_460_224 / 36e9, 9);
    // One hop (A -> B): 2 x 0.2 ms round trip + 4096 x 4 B / 125e6 B/s = 0.4 ms + 0.131072 ms = 0.531072 ms.
    // B runs the output layer, so the logits come back to A: 0.4 ms + 128,256 x 4 B / 125e6 = 4.104192 ms.
    expect(plan.hops).toBe(1);
    expect(plan.logitsReturnSecondsPerToken).toBeCloseTo(0.004504192, 12);
    expect(plan.hopSecondsPerToken).toBeCloseTo(0.000531072 + 0.004504192, 12);
    // Kernel launches: 17 + 15 blocks (B's output layer is not one) x 15 µs on the CPUs and 0.15 ms for the token = 0.63 ms,
    // as the same model on one CPU pays.
    expect(plan.devices.map((d) => d.blockSecondsPerToken)).toEqual([17 * 0.000015, 15 * 0.000015]);
    expect(plan.fixedSecondsPerToken).toBeCloseTo(0.00015 + 32 * 0.000015, 12);
    // 1 / (61.554 + 66.707 + 0.63 + 5.035 ms) = 1 / 133.926 ms = 7.467 tok/s.
    expect(plan.tokPerSec).toBeCloseTo(7.467, 3);
    // Prompt: 2 x 0.2 ms + 4096 x 512 x 4 B / 125e6 = 0.4 + 67.109 ms = 67.509 ms per 512-token batch, plus one
    // row of logits (4.504 ms) = 72.013 ms, so the link alone caps prompt processing at 512 / 0.072013 = 7,110 tok/s.
    expect(plan.hopSecondsPerPromptBatch).toBeCloseTo(0.072013056, 9);
    expect(plan.promptTokPerSecNetworkCap).toBeCloseTo(7109.82, 1);
    expect(plan.fits).toBe(true);
    expect(plan.machines.map((m) => m.fits)).toEqual([true, true]);
  });

  it('says when adding a node makes the pool slower than the smaller one', () => {
    const model = llama8b();
    const link = LINK_PRESETS['1GbE'];
    const two = planPool([cpuNode('A'), cpuNode('B')], model, 4096, 'f16', link);
    const three = planPool([cpuNode('A'), cpuNode('B'), cpuNode('C')], model, 4096, 'f16', link);
    // The same bytes are read either way (layers run in turn), but the third node adds a hop.
    expect(three.hops).toBe(2);
    expect(three.hopSecondsPerToken).toBeCloseTo(2 * hopSeconds(link, 4096, 1) + three.logitsReturnSecondsPerToken, 12);
    expect(three.tokPerSec).toBeLessThan(two.tokPerSec);
    const why = slowerThanSmaller(three, two);
    expect(why).toContain('Adding C makes it slower');
    expect(why).toContain('llama.cpp issue 18626');
    expect(slowerThanSmaller(two, three)).toBeNull();
  });

  it('a head with a GPU runs the output layer itself: no logits cross the link', () => {
    const gpuHead = gpuNode('H', { name: 'NVIDIA GeForce RTX 4090', vramBytes: 24 * GiB });
    const plan = planPool([gpuHead, cpuNode('B')], llama8b(), 4096, 'f16', LINK_PRESETS['1GbE']);
    expect(plan.logitsReturnSecondsPerToken).toBe(0);
  });

  it("two GPU nodes with every layer on them run as llama.cpp's pipeline: 4 copies of the mask and of received activations", () => {
    const gpu = (name: string): PoolMachine => gpuNode(name, { name: 'NVIDIA GeForce RTX 4090', vramBytes: 24 * GiB });
    const plan = planPool([gpu('H'), gpu('W')], llama8b(), 4096, 'f16', LINK_PRESETS['10GbE']);
    const [worker, head] = plan.devices as [(typeof plan.devices)[number], (typeof plan.devices)[number]];
    expect(worker.layers).toBeGreaterThan(0);
    expect(head.layers).toBeGreaterThan(0);
    // 512-token micro-batch: the mask is 512 x 4,096 x 2 bytes (4 MiB), an activation 512 x 4,096 x 4 (8 MiB).
    const mask = 4 * 2 ** 20;
    const activation = 8 * 2 ** 20;
    // The worker's blocks: 3 x 14,336 + 4 x 4,096 floats a token and a mask (120 MiB), plus 3 masks and 2 activations.
    expect(worker.computeBytes).toBe(120 * 2 ** 20 + 3 * mask + 2 * activation);
    // The head's logits (512 x (128,256 + 2 x 4,096) floats, 266.5 MiB), plus 4 masks and 4 activations it receives.
    expect(head.computeBytes).toBe(266.5 * 2 ** 20 + 4 * mask + 4 * activation);
  });

  it("reads each GPU at the share of its bandwidth its own report uses: an AMD card's 0.55, a DGX Spark's 0.85", () => {
    const amd = gpuNode('R', { name: 'AMD Radeon RX 7900 XTX', vendor: 'amd', vramBytes: 24 * GiB, memoryBandwidthBytesPerSec: 960e9 });
    // The AMD card as the worker: it reads its blocks and the output layer, nothing else.
    const plan = planPool([cpuNode('A'), amd], llama8b(), 4096, 'f16', LINK_PRESETS['1GbE']);
    const worker = plan.devices[1];
    expect((worker?.weightsBytes ?? 0) / (worker?.readSecondsPerToken ?? 1)).toBeCloseTo(960e9 * 0.55, -6);
    const machines = loadMachinePresets();
    const spark = (name: string): PoolMachine => ({
      name,
      host: name,
      hardware: applyWhatIf(makeSnapshot({ ramBytes: 16 * GiB }), { machine: 'dgx-spark-128gb' }, loadGpuPresets(), machines),
    });
    const entry = loadCatalog().find((m) => m.id === 'llama-3.1-70b');
    if (!entry) throw new Error('llama-3.1-70b is in the catalog');
    // Two DGX Sparks split a 70B and read it as one does: the same speed as a single Spark's report, less the hop.
    const model = catalogModelAt(entry, 'Q4_K_M');
    const sparks = planPool([spark('A'), spark('B')], model, 8192, 'f16', LINK_PRESETS['40GbE']);
    const one = spark('one').hardware;
    const alone = sizeModel(model, one, computeTarget(one), { contextTokens: 8192, kvType: 'f16' }).row.tokPerSec ?? 0;
    expect(sparks.tokPerSec / alone).toBeGreaterThan(0.95);
    expect(sparks.tokPerSec / alone).toBeLessThan(1.05);
  });

  it("says which device runs on a stand-in bandwidth: a GPU the presets do not know uses its machine's RAM figure", () => {
    const unknownGpu = gpuNode('U', { name: 'Mystery Accelerator 9000', vramBytes: 24 * GiB, memoryBandwidthBytesPerSec: null });
    const plan = planPool([unknownGpu, cpuNode('B')], llama8b(), 4096, 'f16', LINK_PRESETS['1GbE']);
    // llama.cpp lists the RPC devices before the head's own GPU.
    const note = (label: string): string | null | undefined => plan.devices.find((d) => d.label === label)?.bandwidthNote;
    expect(note('U Mystery Accelerator 9000')).toMatch(/Mystery Accelerator 9000 unknown .* RAM figure of 40 GB\/s used/);
    // B's RAM bandwidth is the helper's measured 40 GB/s: no note.
    expect(note('B CPU')).toBeNull();
    const known = planPool([cpuNode('A'), cpuNode('B')], llama8b(), 4096, 'f16', LINK_PRESETS['1GbE']);
    expect(known.devices.map((d) => d.bandwidthNote)).toEqual([null, null]);
  });

  it('reports a node over its memory and prints the commands with the rpc-server flags', () => {
    const entry = loadCatalog().find((m) => m.id === 'llama-3.1-70b');
    if (!entry) throw new Error('llama-3.1-70b is in the catalog');
    const machines = [cpuNode('A'), cpuNode('B')];
    const plan = planPool(machines, catalogModelAt(entry, 'Q4_K_M'), 4096, 'f16', LINK_PRESETS['10GbE']);
    expect(plan.fits).toBe(false);
    const commands = poolCommands(machines, plan, 4096);
    expect(commands[0]).toBe('# on B: rpc-server -H 0.0.0.0 -p 50052 -c');
    expect(commands[1]).toContain(`llama-server -m MODEL.gguf --rpc B:50052 -ngl ${plan.gpuLayers} -ts 1 -c 4096`);
  });

  it('reads link presets and speeds from the command line', () => {
    expect(parseLink('10gbe')).toBe('10GbE');
    expect(parseLink('5Gbps')).toEqual({ bytesPerSec: 625e6, latencyMs: 0.2 });
    expect(parseLink('800Mbps@0.3ms')).toEqual({ bytesPerSec: 100e6, latencyMs: 0.3 });
    expect(() => parseLink('fast')).toThrow(/--link/);
  });
});

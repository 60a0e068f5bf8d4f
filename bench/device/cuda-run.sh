#!/usr/bin/env bash
# One lent NVIDIA machine, one call: records what its detection sources say, builds llama.cpp's llama-bench and
# llama-fit-params with CUDA from the source node-llama-cpp ships, writes generated GGUF files, and measures
# memory (llama-fit-params' per-device MiB, llama-bench -v's buffer lines, nvidia-smi's memory.used sampled
# through the runs) and speed (llama-bench pp512/tg128) for full, partial, -ngl 0 and MoE-experts-in-RAM loads.
# Everything goes under $OUT as it comes, so a run cut short still returns what it had.
#
# Needs, carried in .devcarry/ (ignored by git; see bench/device/README.md):
#   node.xz           a Node 20 x64 binary, xz-compressed (the lent machines have none)
#   capture.mjs       bench/device/capture.ts bundled with esbuild
#   llama-src.tar.xz  the llama.cpp source node-llama-cpp ships (.cache/llama.cpp-src), CUDA and CPU backends only
# What it writes and runs comes from a plan (bench/device/plans/*.sh): MODELS_JSON (the files, as capture.ts's
# models job reads them) and the functions run_fits and run_benches (calls of fit and bench below).
# Usage (on the lent machine, from the repository root): PLAN=bench/device/plans/NAME.sh DEADLINE_S=500 bash bench/device/cuda-run.sh
set -u
PLAN=${PLAN:?PLAN=bench/device/plans/NAME.sh: which files to write and which cases to run}
# shellcheck source=/dev/null
. "$PLAN"
T0=$(date +%s)
OUT=${OUT:-/tmp/rightsize-device-out}
DEADLINE_S=${DEADLINE_S:-500}
W=/tmp/rightsize-device
mkdir -p "$OUT" "$W/models"
export PATH=/usr/local/cuda/bin:$PATH
elapsed() { echo $(($(date +%s) - T0)); }
log() { echo "[$(elapsed)s $(date +%s%3N)] $*" | tee -a "$OUT/steps.log"; }
left() { echo $((DEADLINE_S - $(elapsed))); }

log "start ($PLAN): $(nproc) cores, disk $(df -h --output=avail /tmp | tail -1 | tr -d ' ') free in /tmp, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo), $(uname -r)"

# ---- 1. detection sources, raw (before the build loads the CPUs: the RAM bandwidth probe runs here)
{
  for cmd in "nvidia-smi" "nvidia-smi -L" \
    "nvidia-smi --query-gpu=index,name,memory.total,memory.free,driver_version,power.limit,power.default_limit,pci.bus_id,pci.device_id,pcie.link.gen.max,pcie.link.width.max --format=csv,nounits" \
    "nvidia-smi --query-gpu=name,memory.total,memory.reserved,memory.used,pcie.link.gen.current,pcie.link.gen.max,pcie.link.gen.hostmax,pcie.link.width.current,pcie.link.width.max,clocks.max.sm,clocks.max.memory,power.limit,compute_cap --format=csv" \
    "nvidia-smi -q"; do
    echo "===== \$ $cmd"
    $cmd 2>&1
  done
  echo "===== sysfs PCI display devices"
  for d in /sys/bus/pci/devices/*; do
    cls=$(cat "$d/class" 2>/dev/null)
    case "$cls" in 0x03*) echo "$d class=$cls vendor=$(cat "$d/vendor") device=$(cat "$d/device") max_link_speed=$(cat "$d/max_link_speed" 2>&1) max_link_width=$(cat "$d/max_link_width" 2>&1) current_link_speed=$(cat "$d/current_link_speed" 2>&1)" ;; esac
  done
  echo "===== /sys/class/drm"; ls -la /sys/class/drm 2>&1
  echo "===== lscpu"; lscpu 2>&1
  echo "===== nvcc"; nvcc --version 2>&1 | tail -2
} > "$OUT/nvidia-smi.txt" 2>&1
log "nvidia-smi and sysfs recorded"

xz -dc .devcarry/node.xz > "$W/node" && chmod +x "$W/node"
NODE="$W/node"
"$NODE" --version >> "$OUT/steps.log" 2>&1
(timeout 60 "$NODE" .devcarry/capture.mjs hardware "$OUT/hardware.json" 2>&1 | tail -5 | tee -a "$OUT/steps.log")
log "hardware.json written ($(wc -c < "$OUT/hardware.json" 2>/dev/null) bytes)"

# ---- 2. build (16 cores) while the model files are written (disk)
printf '%s\n' "$MODELS_JSON" > "$W/models.json"
cp "$W/models.json" "$OUT/models.json"
("$NODE" .devcarry/capture.mjs models "$W/models.json" "$W/models" > "$W/models.log" 2>&1; echo "models done rc=$?" >> "$W/models.log") &
MODELS_PID=$!

if [ -n "${BIN_DIR:-}" ]; then # a local dry run of the script with binaries built already (no CUDA)
  mkdir -p "$W/build" && ln -sfn "$BIN_DIR" "$W/build/bin"
else
mkdir -p "$W/src" && tar -xJf .devcarry/llama-src.tar.xz -C "$W/src"
log "source unpacked; configuring"
cmake -S "$W/src" -B "$W/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF > "$W/build.log" 2>&1 || {
  tail -60 "$W/build.log" > "$OUT/build.log"
  log "configure FAILED"
  exit 1
}
log "configured; building"
cmake --build "$W/build" --target llama-bench llama-fit-params -j "$(nproc)" >> "$W/build.log" 2>&1
rc=$?
tail -40 "$W/build.log" > "$OUT/build.log"
[ $rc -eq 0 ] || {
  log "build FAILED rc=$rc"
  exit 1
}
log "built"
fi
wait $MODELS_PID
cat "$W/models.log" | tee -a "$OUT/steps.log"
BENCH="$W/build/bin/llama-bench"
FIT="$W/build/bin/llama-fit-params"
M="$W/models"

# ---- 3. memory: nvidia-smi's memory.used sampled through every run (steps.log has each run's start and end)
nvidia-smi --query-gpu=timestamp,memory.used --format=csv,noheader,nounits -lms 200 > "$OUT/vram.log" 2>&1 &
SAMPLER=$!

fit() { # name, args...
  local name=$1
  shift
  [ "$(left)" -gt 20 ] || {
    log "skip fit $name (deadline)"
    return
  }
  echo "===== $name: $*" >> "$OUT/fit.log"
  timeout 60 "$FIT" "$@" -fa on -fitp on >> "$OUT/fit.log" 2> "$W/fit-err.log" || {
    echo "FAILED rc=$?" >> "$OUT/fit.log"
    tail -5 "$W/fit-err.log" >> "$OUT/fit.log"
  }
}
run_fits
log "fit-params done"

bench() { # name, limit_s, args...
  local name=$1 limit=$2
  shift 2
  [ "$(left)" -gt $((limit / 2 + 10)) ] || {
    log "skip bench $name (deadline)"
    return
  }
  log "bench $name begin: $*"
  echo "===== $name: $*" >> "$OUT/bench-v.log"
  timeout "$limit" "$BENCH" "$@" -fa 1 -o jsonl 2> "$W/bench-err.log" | sed "s/^{/{\"case\":\"$name\",/" >> "$OUT/bench.jsonl"
  local rc=${PIPESTATUS[0]}
  grep -E 'buffer size|offloaded|graph splits|pipeline parallelism|using device|CUDA0|error|failed' "$W/bench-err.log" | grep -v 'ggml_backend_cuda_graph' | head -80 >> "$OUT/bench-v.log"
  log "bench $name end rc=$rc"
}
run_benches
kill $SAMPLER 2> /dev/null
log "done"

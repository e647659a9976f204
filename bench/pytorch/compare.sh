#!/usr/bin/env bash
# Runs the MNIST main job and the same job in PyTorch alternately, on the same machine in the same run, and prints
# the training times side by side (minimum and median over the runs) with the test accuracies.
#
#   bash bench/pytorch/compare.sh [runs] [--busy]
#
# runs     how many times each configuration runs (default 3)
# --busy   keep one core busy with a spinning neighbour process while everything runs, to see how each job copes
#
# Needs Debian's python3-torch with OpenBLAS (apt-get install python3-torch libopenblas0-pthread); see
# docs/performance.md. PyTorch runs with one thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
busy=${2:-}

dotnet build -c Release samples/Mnist -v quiet -nologo > /dev/null
mnist=(dotnet samples/Mnist/bin/Release/net10.0/Mnist.dll --plot /tmp/compare-loss.png)
torch=(env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/mnist.py)

spinner=""
if [ "$busy" = "--busy" ]; then
  /usr/bin/python3 -c "while True: pass" &
  spinner=$!
  trap 'kill $spinner 2>/dev/null' EXIT
fi

declare -A times accuracy
configs=("Backprop.Gen float, default (the README's command)" "PyTorch float32, 1 thread" "Backprop.Gen float, 1 thread"
         "Backprop.Gen double, 1 thread" "PyTorch float64, 1 thread")
run() {
  case "$1" in
    "Backprop.Gen float, default (the README's command)") "${mnist[@]}" ;;
    "Backprop.Gen float, 1 thread") "${mnist[@]}" --threads 1 ;;
    "Backprop.Gen double, 1 thread") "${mnist[@]}" --precision double --threads 1 ;;
    "PyTorch float32, 1 thread") "${torch[@]}" --dtype float32 ;;
    "PyTorch float64, 1 thread") "${torch[@]}" --dtype float64 ;;
  esac
}

for ((r = 1; r <= runs; r++)); do
  for config in "${configs[@]}"; do
    output=$(run "$config" 2>&1)
    seconds=$(grep -oP 'trained in \K[0-9.]+' <<< "$output")
    percent=$(grep -oP 'test accuracy: \K[0-9.]+' <<< "$output")
    times[$config]+="$seconds "
    accuracy[$config]="$percent"
    echo "run $r: $config: $seconds s, $percent %" >&2
  done
done

printf '\n| job (%s runs each, alternating%s) | trained in: min | median | test accuracy |\n|---|---:|---:|---:|\n' "$runs" "${busy:+, one core busy}"
for config in "${configs[@]}"; do
  read -r -a values <<< "${times[$config]}"
  sorted=$(printf '%s\n' "${values[@]}" | sort -g)
  min=$(head -n 1 <<< "$sorted")
  median=$(awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' <<< "$sorted")
  printf '| %s | %s s | %s s | %s %% |\n' "$config" "$min" "$median" "${accuracy[$config]}"
done

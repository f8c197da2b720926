#!/bin/sh
# The talk's job in a shell: curl fetches every zip in parallel, awk sums the counts.
#
#     sh examples/curl_parallel.sh URL ZIPS_FILE [CONCURRENCY] [TIMEOUT_S] [RETRIES]
#
# Needs curl 7.66 or later (--parallel). Prints `jobs available: N`.
set -eu
url=$1 zips=$2 concurrency=${3:-10} timeout=${4:-10} retries=${5:-2}
[ "$concurrency" -gt 0 ] || concurrency=$(wc -l < "$zips")  # 0: every zip at once
config=$(mktemp)
trap 'rm -f "$config"' EXIT
while read -r zip; do
  printf 'url = "%s/api/jobs?LocationId=%s"\n' "$url" "$zip"
done < "$zips" > "$config"
curl --silent --show-error --fail --parallel --parallel-max "$concurrency" \
  --max-time "$timeout" --retry "$retries" --retry-delay 0 --retry-all-errors --config "$config" \
  | grep -o '"TotalJobs": *"[0-9]*"' \
  | awk -F'"' '{ total += $4 } END { print "jobs available: " total }'

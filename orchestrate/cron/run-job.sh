#!/bin/sh
# Run one scheduled Meltano command the way cron or a systemd timer needs it run.
#
#   run-job.sh --name NAME --lock FILE --log-dir DIR [--env-file FILE] [--keep-days N] -- COMMAND...
#
# orchestrate/cron/crontab.py renders the calls (absolute paths, from meltano.yml's schedules); this script
# adds what cron lacks:
#   - no overlap: `flock -n` on FILE; a second copy exits 75 (EX_TEMPFAIL) at once, saying why on stderr;
#   - one log per run: DIR/<UTC start>.log, and DIR/latest.log pointing at the newest;
#   - failures noticed: COMMAND's exit code is this script's; on failure the log's tail goes to stderr,
#     which cron mails (MAILTO) and systemd keeps in the journal. A good run prints nothing.
#   - --env-file: variables to export first, for settings kept outside the project (`set -a; . FILE`).
#     Meltano reads the project's .env itself, so secrets never need to be on the command line.
# POSIX sh and coreutils only: cron starts it with PATH=/usr/bin:/bin and no virtualenv.
set -u

PATH=/usr/local/bin:/usr/bin:/bin
export PATH

# Lock busy: the previous run has not finished. Not 0, so systemd records it and a wrapper can tell.
EXIT_LOCKED=75
EXIT_USAGE=64

usage() {
    echo "usage: $0 --name NAME --lock FILE --log-dir DIR [--env-file FILE] [--keep-days N] -- COMMAND..." >&2
    exit "$EXIT_USAGE"
}

name='' lock='' log_dir='' env_file='' keep_days=90
while [ $# -gt 0 ]; do
    case $1 in
        --name) [ $# -ge 2 ] || usage; name=$2; shift 2 ;;
        --lock) [ $# -ge 2 ] || usage; lock=$2; shift 2 ;;
        --log-dir) [ $# -ge 2 ] || usage; log_dir=$2; shift 2 ;;
        --env-file) [ $# -ge 2 ] || usage; env_file=$2; shift 2 ;;
        --keep-days) [ $# -ge 2 ] || usage; keep_days=$2; shift 2 ;;
        --) shift; break ;;
        *) usage ;;
    esac
done
[ -n "$name" ] && [ -n "$lock" ] && [ -n "$log_dir" ] && [ $# -gt 0 ] || usage

mkdir -p "$log_dir" "$(dirname "$lock")" || exit 1

# fd 9 stays open in COMMAND and its children, so the lock is held until the last of them exits.
exec 9>>"$lock" || exit 1
if ! flock -n 9; then
    echo "tap-alma $name: not started, a previous run still holds $lock" >&2
    exit "$EXIT_LOCKED"
fi

if [ -n "$env_file" ]; then
    if [ ! -r "$env_file" ]; then
        echo "tap-alma $name: cannot read env file $env_file" >&2
        exit 1
    fi
    set -a
    # shellcheck disable=SC1090
    . "$env_file"
    set +a
fi

started=$(date -u +%Y%m%dT%H%M%SZ)
log="$log_dir/$started.log"
ln -sfn "$started.log" "$log_dir/latest.log"
echo "# tap-alma $name: started $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname): $*" >"$log"
"$@" </dev/null >>"$log" 2>&1
status=$?
echo "# tap-alma $name: finished $(date -u +%Y-%m-%dT%H:%M:%SZ), exit $status" >>"$log"

if [ "$status" -ne 0 ]; then
    {
        echo "tap-alma $name FAILED (exit $status). Full log: $log"
        echo "--- last 40 lines ---"
        tail -n 40 "$log"
    } >&2
fi

# Old logs go; latest.log and the current run's log are always younger than --keep-days.
find "$log_dir" -name '*.log' -type f -mtime +"$keep_days" -exec rm -f {} + 2>/dev/null

exit "$status"

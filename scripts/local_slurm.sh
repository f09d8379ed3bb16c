#!/usr/bin/env bash
# A real one-node Slurm cluster on loopback (127.0.0.1), to run dualis sweeps through
# hydra/launcher=slurm on one machine exactly as on a cluster (Debian 12, as root, no systemd).
#   bash scripts/local_slurm.sh start [DIR]   # install packages if missing, write config into DIR,
#                                             # start munge, slurmctld, slurmd, wait for an idle node
#   bash scripts/local_slurm.sh stop  [DIR]   # stop everything this script started (by pid file)
#   bash scripts/local_slurm.sh status [DIR]
# Then, e.g.:
#   source DIR/env.sh && .venv/bin/python -m sim study=regime_map hydra/launcher=slurm hydra.launcher.partition=debug
# After start:  source DIR/env.sh   (exports SLURM_CONF; needed by sbatch/squeue/sacct and thus by submitit)
# Env knobs: SLURM_ACCOUNTING=1 (default; slurmdbd+MariaDB so `sacct` works, which submitit uses to detect
#            jobs that died without a result) or 0 (no DB; submitit still works but logs sacct warnings and
#            never notices jobs that were killed/cancelled before writing their result);
#            DB_PORT=3306 SLURMCTLD_PORT=6817 SLURMD_PORT=6818 SLURMDBD_PORT=6819; FRESH=1 wipes DIR state first.
set -euo pipefail

CMD=${1:-start}
DIR=$(realpath -m "${2:-/tmp/local_slurm}")
SLURM_ACCOUNTING=${SLURM_ACCOUNTING:-1}
DB_PORT=${DB_PORT:-3306}
SLURMCTLD_PORT=${SLURMCTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}
SLURMDBD_PORT=${SLURMDBD_PORT:-6819}
NODE=localhost            # slurmd is started with -N localhost, so the real hostname does not matter
export SLURM_CONF=$DIR/etc/slurm.conf

log() { echo "[local_slurm $(date +%T)] $*" >&2; }
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() { # wait_for SECONDS CMD...
  local t=$1; shift
  for _ in $(seq 1 $((t * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  return 1
}

install_pkgs() {
  local pkgs=(munge slurmctld slurmd slurm-client)
  [ "$SLURM_ACCOUNTING" = 1 ] && pkgs+=(slurmdbd mariadb-server)
  local missing=()
  for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    # Debian's postinst tries invoke-rc.d; without an init system it is denied/harmless.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

write_config() {
  mkdir -p "$DIR"/{etc,state,spool,log,run}
  local cpus sockets cores threads mem
  # Take the real hardware line from slurmd -C so slurmd does not drain the node for a mismatch.
  read -r cpus sockets cores threads mem < <(slurmd -C | awk '/^NodeName/{for(i=1;i<=NF;i++){split($i,a,"=");v[a[1]]=a[2]} print v["CPUs"],v["SocketsPerBoard"],v["CoresPerSocket"],v["ThreadsPerCore"],v["RealMemory"]}')
  local acct="AccountingStorageType=accounting_storage/none"
  if [ "$SLURM_ACCOUNTING" = 1 ]; then
    acct="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$SLURMDBD_PORT"
  fi
  cat > "$DIR/etc/slurm.conf" <<EOF
ClusterName=localcluster
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
SlurmctldPort=$SLURMCTLD_PORT
SlurmdPort=$SLURMD_PORT
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$acct
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
MinJobAge=3600
InactiveLimit=0
KillWait=30
Waittime=0
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus Boards=1 SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  # slurmdbd looks for slurmdbd.conf next to \$SLURM_CONF; it must be mode 600 and owned by SlurmUser.
  cat > "$DIR/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$SLURMDBD_PORT
SlurmUser=root
DebugLevel=info
LogFile=$DIR/log/slurmdbd.log
PidFile=$DIR/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$DIR/etc/slurmdbd.conf"
  echo "export SLURM_CONF=$DIR/etc/slurm.conf" > "$DIR/env.sh"
}

start_munge() {
  [ -s /etc/munge/munge.key ] || { mungekey -c -f -k /etc/munge/munge.key; chown munge:munge /etc/munge/munge.key; chmod 600 /etc/munge/munge.key; }
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then log "munged already running"; return; fi
  runuser -u munge -- /usr/sbin/munged          # forks into background; pid in /run/munge/munged.pid
  wait_for 10 sh -c 'munge -n | unmunge' || { log "munged failed"; exit 1; }
  echo "$(cat /run/munge/munged.pid)" > "$DIR/run/munged.pid"
}

start_db() {
  [ "$SLURM_ACCOUNTING" = 1 ] || return 0
  local sock=$DIR/run/mysql.sock
  if [ ! -d "$DIR/mysql/mysql" ]; then
    mariadb-install-db --user=root --datadir="$DIR/mysql" --auth-root-authentication-method=socket >"$DIR/log/mariadb-install.log" 2>&1
  fi
  if ! alive "$DIR/run/mariadb.pid"; then
    setsid mariadbd --no-defaults --user=root --datadir="$DIR/mysql" --socket="$sock" --port="$DB_PORT" \
      --bind-address=127.0.0.1 --pid-file="$DIR/run/mariadb.pid" --log-error="$DIR/log/mariadb.err" \
      --innodb-buffer-pool-size=128M </dev/null >/dev/null 2>&1 &
  fi
  wait_for 60 mariadb-admin --socket="$sock" ping || { log "mariadb failed, see $DIR/log/mariadb.err"; exit 1; }
  mariadb --socket="$sock" -e "
    CREATE DATABASE IF NOT EXISTS slurm_acct_db;
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw';
    CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmpw';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
  alive "$DIR/run/slurmdbd.pid" || slurmdbd        # daemonizes; finds slurmdbd.conf via SLURM_CONF's dir
  wait_for 30 sacctmgr -n show cluster || { log "slurmdbd failed, see $DIR/log/slurmdbd.log"; exit 1; }
}

start() {
  local t0=$SECONDS
  [ "${FRESH:-0}" = 1 ] && { stop || true; rm -rf "$DIR"; }
  install_pkgs
  local t1=$SECONDS
  write_config
  start_munge
  start_db
  alive "$DIR/run/slurmctld.pid" || slurmctld     # daemonizes (-D for foreground); reads $SLURM_CONF
  alive "$DIR/run/slurmd.pid" || slurmd -N "$NODE"
  if ! wait_for 60 sh -c 'sinfo -h -n localhost -o %T | grep -qx idle'; then
    log "node not idle:"; sinfo -N -l >&2 || true; tail -n 20 "$DIR"/log/slurm*.log >&2; exit 1
  fi
  scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
  log "cluster up (install/check pkgs $((t1 - t0))s, config+daemons $((SECONDS - t1))s). Run: source $DIR/env.sh"
  sinfo
}

stop() {
  [ -f "$SLURM_CONF" ] && alive "$DIR/run/slurmctld.pid" && { squeue -h -o %i 2>/dev/null | xargs -r scancel || true; sleep 1; }
  local f
  for f in slurmd slurmctld slurmdbd; do
    alive "$DIR/run/$f.pid" && kill "$(cat "$DIR/run/$f.pid")"
  done
  if alive "$DIR/run/mariadb.pid"; then
    mariadb-admin --socket="$DIR/run/mysql.sock" shutdown 2>/dev/null || kill "$(cat "$DIR/run/mariadb.pid")"
  fi
  # only stop munged if this script started it
  if alive "$DIR/run/munged.pid" && [ "$(cat "$DIR/run/munged.pid")" = "$(cat /run/munge/munged.pid 2>/dev/null)" ]; then
    kill "$(cat "$DIR/run/munged.pid")"
  fi
  for f in slurmd slurmctld slurmdbd mariadb munged; do
    wait_for 20 sh -c "! { [ -s '$DIR/run/$f.pid' ] && kill -0 \$(cat '$DIR/run/$f.pid') 2>/dev/null; }" ||
      { log "$f still alive, SIGKILL"; kill -9 "$(cat "$DIR/run/$f.pid")" 2>/dev/null || true; }
    rm -f "$DIR/run/$f.pid"
  done
  log "stopped"
}

status() {
  local f
  for f in munged mariadb slurmdbd slurmctld slurmd; do
    if alive "$DIR/run/$f.pid"; then echo "$f: running (pid $(cat "$DIR/run/$f.pid"))"; else echo "$f: stopped"; fi
  done
  alive "$DIR/run/slurmctld.pid" && sinfo
  return 0
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [DIR]" >&2; exit 2 ;;
esac

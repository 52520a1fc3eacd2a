# shellcheck shell=sh disable=SC2034 # the variables are for the scripts that source this file
# Shared by startscript and run (sourced, POSIX sh). Every absolute path goes through ROOT, so
# tests can run both against a temporary root; the paths written into the XML files are the
# paths inside the pod.
ROOT=${KD_ROOT:-}
HADOOP_HOME=${HADOOP_HOME:-$ROOT/opt/hadoop}
# The configuration lives on the member's PVC (/etc is persisted when a role has storage), so a
# restarted container, which is not configured again, still has it.
CONF_DIR=/etc/hadoop
CONF=$ROOT$CONF_DIR
EXCLUDE_FILE=$CONF_DIR/dfs.exclude
DATA_DIR=/var/lib/hadoop
NAME_DIR=$DATA_DIR/name
DN_DIR=$DATA_DIR/data
NM_LOCAL_DIR=$DATA_DIR/yarn/local
NM_LOG_DIR=/var/log/hadoop/userlogs
HADOOP_USER=hadoop
HADOOP_CONF_DIR=$CONF
export HADOOP_CONF_DIR
# The daemons run as the image's user hadoop; HDFS superuser commands (dfsadmin) must be issued
# as that user (simple authentication takes the name from here).
HADOOP_USER_NAME=$HADOOP_USER
export HADOOP_USER_NAME
TAB=$(printf '\t')

die() {
  echo "hadoop: $*" >&2
  exit 1
}

# own_fqdn: this member's FQDN, from the members file of the generation being processed.
own_fqdn() {
  awk -F "$TAB" -v pod="${KD_POD_NAME:-}" '$1 == pod { print $4; exit }' "$KD_CONFIG/members"
}

controller_fqdn() {
  [ -f "$KD_CONFIG/fqdns.controller" ] && head -n 1 "$KD_CONFIG/fqdns.controller"
}

# worker_fqdns: the current workers, one per line.
worker_fqdns() {
  if [ -f "$KD_CONFIG/fqdns.worker" ]; then grep -v '^$' "$KD_CONFIG/fqdns.worker"; fi
  return 0
}

# clamp VALUE MIN MAX
clamp() {
  if [ "$1" -lt "$2" ]; then
    echo "$2"
  elif [ "$1" -gt "$3" ]; then
    echo "$3"
  else
    echo "$1"
  fi
}

memory_mb() {
  case ${KD_MEMORY_LIMIT_MB:-} in '' | *[!0-9]*) echo 2048 ;; *) echo "$KD_MEMORY_LIMIT_MB" ;; esac
}

cpus() {
  case ${KD_CPU_LIMIT:-} in '' | *[!0-9]* | 0) echo 1 ;; *) echo "$KD_CPU_LIMIT" ;; esac
}

# daemon_heap_mb: the heap of each of the member's two JVMs. The controller's (namenode,
# resourcemanager) take 3/8 of the limit each; a worker's (datanode, nodemanager) 1/8 each, at
# most 1 GiB, since the rest of the limit goes to YARN containers.
daemon_heap_mb() {
  _m=$(memory_mb)
  case ${KD_ROLE:-} in
    controller) clamp $((_m * 3 / 8)) 256 16384 ;;
    *) clamp $((_m / 8)) 256 1024 ;;
  esac
}

# nm_memory_mb: what the nodemanager offers to containers: the limit less both daemon heaps and
# a tenth for JVM overhead, at least 256 MiB.
nm_memory_mb() {
  _m=$(memory_mb)
  _h=$(daemon_heap_mb)
  _n=$((_m - 2 * _h - _m / 10))
  [ "$_n" -lt 256 ] && _n=256
  echo "$_n"
}

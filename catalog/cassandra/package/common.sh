# shellcheck shell=sh disable=SC2034
# Shared by startscript and run (sourced from the package directory). POSIX sh.
# Every absolute path goes through ROOT, empty in a pod, a temporary root in tests.
ROOT=${KD_ROOT:-}
CONF_DIR=${CASSANDRA_CONF:-/etc/cassandra}
CONF=$ROOT$CONF_DIR
# What Cassandra itself reads: the data directories as they are in the pod (no ROOT).
DATA_DIR=/var/lib/cassandra
SEED_ROLE=seed
MAX_SEEDS=3
TAB=$(printf '\t')

say() { printf 'cassandra: %s\n' "$*"; }
fail() {
  printf 'cassandra: %s\n' "$*" >&2
  exit 1
}

# members sorted by node id: <pod> TAB <role> TAB <node id> TAB <fqdn>
members() {
  [ -f "$KD_CONFIG/members" ] || return 0
  sort -t "$TAB" -k3,3n "$KD_CONFIG/members"
}

# own_field N: field N of this pod's line in members (empty when it is not listed).
own_field() {
  members | awk -F "$TAB" -v pod="${KD_POD_NAME:-}" -v n="$1" '$1 == pod { print $n; exit }'
}

# seeds_of FQDN: the first members of the seed role (by node id), at most MAX_SEEDS, as a
# comma-separated list. A member that is not the first seed leaves itself out, so that it
# bootstraps (streams its share of the data) instead of joining empty as a seed would.
seeds_of() {
  members | awk -F "$TAB" -v role="$SEED_ROLE" -v self="$1" -v max="$MAX_SEEDS" '
    $2 != role { next }
    { n++; if (n > max) exit; if (n == 1 || $4 != self) list = list (list == "" ? "" : ",") $4 }
    END { print list }'
}

# The cluster's name: CASSANDRA_CLUSTER_NAME when set, else the configmeta's cluster.name.
cluster_name() {
  if [ -n "${CASSANDRA_CLUSTER_NAME:-}" ]; then
    printf '%s\n' "$CASSANDRA_CLUSTER_NAME"
    return
  fi
  awk '{
    i = index($0, "\"cluster\":{\"name\":\"")
    if (i == 0) next
    s = substr($0, i + 19)
    print substr(s, 1, index(s, "\"") - 1)
    exit
  }' "$KD_CONFIG/configmeta.json"
}

# Whether this member's Cassandra has started on its data before (its system keyspace exists).
bootstrapped() {
  [ -d "$ROOT$DATA_DIR/data/system" ] && [ -n "$(ls -A "$ROOT$DATA_DIR/data/system" 2>/dev/null)" ]
}

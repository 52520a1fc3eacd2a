# Shared by startscript and run (sourced; POSIX sh). Every absolute path goes through ROOT, empty
# shellcheck disable=SC2034 # the variables are for the scripts that source this file
# in a pod, a temporary root in tests.
ROOT=${KD_ROOT:-}
KAFKA_BIN=$ROOT/opt/kafka/bin
# Under /etc, which the member's PVC persists: written once by --configure.
CONF_DIR=$ROOT/etc/kafka/kubedirector
PROPS=$CONF_DIR/server.properties
# On the PVC (persistDirs /var/lib/kafka). Paths written into server.properties carry no ROOT.
DATA_DIR=/var/lib/kafka/data
# The image's user (apache/kafka: adduser appuser, uid 1000), who owns /opt/kafka.
KAFKA_USER=appuser
CLIENT_PORT=9092
CONTROLLER_PORT=9093

die() {
  echo "kafka: $*" >&2
  exit 1
}

# prop KEY: the value of KEY in server.properties.
prop() {
  sed -n "s/^$1=//p" "$PROPS" | tail -n 1
}

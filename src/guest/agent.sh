#!/bin/sh
# KubeDirector guest agent: configures this member from the files the hooks render into the
# cluster's ConfigMap and Secret, and reports its progress through the member channel. The
# contract is src/guest/PROTOCOL.md.
#
#   agent.sh start   postStart hook: start `run` in the background and return at once
#   agent.sh run     step, sleep 2 s, forever (stops after a failed setup)
#   agent.sh step    one pass; exits 1 only when the setup failed
#   agent.sh ready   readiness probe
#   agent.sh alive   liveness probe
#   agent.sh launch  container command for images whose entrypoint does not run the app: waits
#                    until this member is configured, then execs the setup package's `run`
#
# POSIX sh and awk only (no bash-isms, no GNU-only options): it runs in any image with /bin/sh.
# No `set -e`: every failure that matters is checked where it happens and turned into a report.
set -u

# Every absolute path goes through ROOT so that tests can run the agent in a temporary root.
ROOT=${KD_ROOT:-}
VOLUME_CONFIG=$ROOT/etc/kubedirector
VOLUME_SECRETS=$ROOT/etc/kubedirector-secrets
# The member channel: the sidecar's fresher copy of the ConfigMap and Secret, and the progress
# file it reports to the hooks.
CHANNEL=$ROOT${KD_CHANNEL_DIR:-/etc/kubedirector-channel}
CONFIG=$VOLUME_CONFIG
SECRETS=$VOLUME_SECRETS
GUEST=$ROOT/etc/guestconfig
STATE=$GUEST/agent
SNAP=$STATE/config
SETUP=$ROOT/opt/guestconfig
LOGDIR=$ROOT/var/log/guestconfig
LOG=$LOGDIR/agent.log
TERMLOG=$ROOT/dev/termination-log

POD=${KD_POD_NAME:-}
ROLE=${KD_ROLE:-}
PACKAGE_URL=${KD_PACKAGE_URL:-}
# The ConfigMap key a carried package is installed from (configmap:// URLs).
PACKAGE_KEY=${KD_PACKAGE_KEY:-}
# What this container's pod template says to install: a member configured with something else
# configures again (a new app version, or the previous one back).
PACKAGE_ID="$PACKAGE_URL${PACKAGE_KEY:+ $PACKAGE_KEY}"
# Unset means every event (as upstream's absent eventList); set but empty means none.
EVENTS=${KD_EVENTS-configure addnodes delnodes}
MAX_LOG=${KD_MAX_LOG:-1024}
case $MAX_LOG in *[!0-9]*) MAX_LOG=1024 ;; esac
SYSTEMD=${KD_SYSTEMD:-0}
SYSTEMD_WAIT=${KD_SYSTEMD_WAIT:-300}
MAX_ATTEMPTS=3
REPORT_LIMIT=3500
REASON_LIMIT=1000
TAB=$(printf '\t')

# ---------------------------------------------------------------------------------------------
# Small helpers

is_uint() {
  case ${1:-} in '' | *[!0-9]*) return 1 ;; esac
  return 0
}

log() {
  printf '%s %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$*" >>"$LOG" 2>/dev/null || :
}

# get NAME [DEFAULT]: the first line of a state file.
get() {
  if [ -f "$STATE/$1" ]; then
    _v=
    { IFS= read -r _v || :; } <"$STATE/$1"
    printf '%s\n' "$_v"
  else
    printf '%s\n' "${2:-}"
  fi
}

# put NAME VALUE: state files are replaced whole (temp file, then mv), so neither a probe nor a
# restarted agent ever reads half of one.
put() {
  printf '%s\n' "$2" >"$STATE/.$1.$$" && mv -f "$STATE/.$1.$$" "$STATE/$1"
}

# size FILE: bytes in FILE, 0 when it does not exist.
size() {
  if [ -f "$1" ]; then wc -c <"$1" | tr -d ' \t'; else echo 0; fi
}

# generation_in DIR: the generation of the configuration in DIR; fails when there is none.
generation_in() {
  _g=
  [ -f "$1/generation" ] || return 1
  { IFS= read -r _g || :; } <"$1/generation"
  is_uint "$_g" || return 1
  printf '%s\n' "$_g"
}

read_generation() {
  generation_in "$CONFIG"
}

# choose_source: the sidecar's copy when it is at least as new as the ConfigMap volume (the
# kubelet refreshes that only every minute or so); the volume while the sidecar is away.
choose_source() {
  CONFIG=$VOLUME_CONFIG
  SECRETS=$VOLUME_SECRETS
  _cg=$(generation_in "$CHANNEL/config") || return 0
  _vg=$(generation_in "$VOLUME_CONFIG") || _vg=0
  if [ "$_cg" -ge "$_vg" ]; then
    CONFIG=$CHANNEL/config
    [ -d "$CHANNEL/secrets" ] && SECRETS=$CHANNEL/secrets
  fi
  return 0
}

# Event ids are <generation>.<n>, compared numerically: generation first, then n.
AWK_IDS='
function idgt(a, b,   x, y) {
  split(a, x, "."); split(b, y, ".")
  return x[1] + 0 > y[1] + 0 || (x[1] + 0 == y[1] + 0 && x[2] + 0 > y[2] + 0)
}
function isid(s) { return s ~ /^[0-9]+\.[0-9]+$/ }
'

# highest_event: the highest id in the snapshot's events, 0.0 when there is none.
highest_event() {
  awk -F "$TAB" "$AWK_IDS"'
    isid($1) && (best == "" || idgt($1, best)) { best = $1 }
    END { print (best == "" ? "0.0" : best) }
  ' "$SNAP/events"
}

# next_event DONE: the first event for this member's role with an id above DONE, as
# "<id> TAB <args>"; fails when none is left.
next_event() {
  awk -F "$TAB" -v role="$ROLE" -v done_id="$1" "$AWK_IDS"'
    function for_role(list,   r, n, i) { n = split(list, r, ","); for (i = 1; i <= n; i++) if (r[i] == role) return 1; return 0 }
    isid($1) && idgt($1, done_id) && for_role($2) && (best == "" || idgt(best, $1)) {
      best = $1; args = substr($0, length($1) + length($2) + 3)
    }
    END {
      if (best == "") exit 1
      print best "\t" args
    }
  ' "$SNAP/events"
}

# The membership this member knows of: the FQDNs of its configmeta when it configured, then
# changed by every --addnodes and --delnodes it ran. A notification tells it only what it does
# not know yet, so members configured together, or after a change, are not told again.
self_fqdn() {
  if [ -f "$STATE/self" ]; then
    get self
  else
    awk -F "$TAB" -v pod="$POD" '$1 == pod { print $4; exit }' "$SNAP/members"
  fi
}

# news EVENT FQDNS: of the event's comma-separated FQDNs, those this member does not know yet
# (addnodes) or does know (delnodes), comma-separated; empty when none, and empty when the
# event names this member itself: it is the one joining or leaving, and is not told.
news() {
  printf '%s\n' "$2" | tr ',' '\n' | awk -v event="$1" -v self="$(self_fqdn)" -v known="$STATE/known" '
    BEGIN { while ((getline line < known) > 0) k[line] = 1 }
    $0 == self { itself = 1 }
    $0 == "" || $0 == self { next }
    (event == "addnodes") != ($0 in k) { out = out (out == "" ? "" : ",") $0 }
    END { print (itself ? "" : out) }'
}

# learn EVENT FQDNS: the membership after running the event.
learn() {
  printf '%s\n' "$2" | tr ',' '\n' | awk -v event="$1" -v known="$STATE/known" '
    BEGIN { while ((getline line < known) > 0) k[line] = 1 }
    $0 != "" { if (event == "addnodes") k[$0] = 1; else delete k[$0] }
    END { for (f in k) print f }' | sort >"$STATE/.known.$$" && mv -f "$STATE/.known.$$" "$STATE/known"
}

# with_fqdns ARGS FQDNS: the TAB-separated args with the value after --fqdns replaced.
with_fqdns() {
  printf '%s\n' "$1" | awk -F "$TAB" -v OFS="$TAB" -v fqdns="$2" '{ for (i = 1; i < NF; i++) if ($i == "--fqdns") $(i + 1) = fqdns; print }'
}

# fqdns_of ARGS: the value after --fqdns.
fqdns_of() {
  printf '%s\n' "$1" | awk -F "$TAB" '{ for (i = 1; i < NF; i++) if ($i == "--fqdns") { print $(i + 1); exit } }'
}

# handles EVENT: whether this role's startscript takes the event (--reconnect always).
handles() {
  [ "$1" = reconnect ] && return 0
  case " $EVENTS " in *" $1 "*) return 0 ;; esac
  return 1
}

# startscript: the role's startscript, if it has a setup package and the package has one.
# Configured, and with the setup package this container's template names (members configured
# before packages were recorded count as configured with it).
configured_here() {
  [ -f "$STATE/configured" ] || return 1
  [ ! -f "$STATE/package" ] || [ "$(get package)" = "$PACKAGE_ID" ]
}

startscript() {
  [ -n "$PACKAGE_URL" ] || return 1
  for _s in "$SETUP"/*/startscript "$SETUP"/startscript; do
    if [ -f "$_s" ]; then
      printf '%s\n' "$_s"
      return 0
    fi
  done
  return 1
}

# run_script SCRIPT TAB-SEPARATED-ARGS: from the script's directory, each field one argument.
# The script reads the generation it is run for from KD_CONFIG (the snapshot: members, fqdns,
# fqdns.<role>, nodes, generation) and its own configmeta from KD_CONFIGMETA.
run_script() {
  (
    cd "${1%/*}" || exit 1
    KD_CONFIG=$SNAP
    KD_CONFIGMETA=$GUEST/configmeta.json
    export KD_CONFIG KD_CONFIGMETA
    set -f
    IFS=$TAB
    # shellcheck disable=SC2086 # splitting on TAB is the point
    set -- "$1" $2
    exec "$@"
  ) </dev/null
}

# fetch URL FILE: download with curl or wget, whichever exists; errors go to stderr.
fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    echo "neither curl nor wget is available" >&2
    return 127
  fi
}

have_fetcher() {
  command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1
}

prepare_dirs() {
  mkdir -p "$STATE" "$LOGDIR" || return 1
  chmod 700 "$STATE" 2>/dev/null || :
}

# ---------------------------------------------------------------------------------------------
# The ConfigMap, read consistently

# snapshot: copy what a pass reads into $SNAP, retrying while the kubelet swaps the ConfigMap
# in between (the generation grows with every change, so equal before and after means one view).
# Its generation ends up in G.
snapshot() {
  _new=$SNAP.new.$$
  _tries=0
  while [ "$_tries" -lt 5 ]; do
    _tries=$((_tries + 1))
    _g1=$(read_generation) || return 1
    rm -rf "$_new" && mkdir -p "$_new" || return 1
    _ok=1
    for _f in configmeta.json nodes members events "injections.$ROLE"; do
      if [ -f "$CONFIG/$_f" ]; then
        cp "$CONFIG/$_f" "$_new/$_f" || _ok=0
      else
        : >"$_new/$_f"
      fi
    done
    # The membership views startscripts read (KD_CONFIG), from the same generation.
    for _f in "$CONFIG"/fqdns "$CONFIG"/fqdns.*; do
      [ -f "$_f" ] && { cp "$_f" "$_new/${_f##*/}" || _ok=0; }
    done
    _g2=$(read_generation) || _ok=0
    if [ "$_ok" = 1 ] && [ "$_g1" = "$_g2" ]; then
      printf '%s\n' "$_g1" >"$_new/generation"
      rm -rf "$SNAP" && mv "$_new" "$SNAP" || return 1
      G=$_g1
      return 0
    fi
  done
  rm -rf "$_new"
  return 1
}

# The configmeta assembly: each placeholder is a whole JSON string value (preceded by ':', ',',
# '[' or blank space), replaced textually. Names are matched with index(), never as regexes,
# since role ids may contain '.', '_' and '-'. Exit 3: no line for the pod; 4: a missing file.
AWK_CONFIGMETA='
function slurp(file,   s, line, k, r) {
  s = ""; k = 0
  while ((r = (getline line < file)) > 0) s = (k++ ? s "\n" : "") line
  close(file)
  if (r < 0) { missing = file; return "" }
  return s
}
FILENAME == nodes { if ($1 == pod && !found) { node = substr($0, length($1) + 2); found = 1 }; next }
{ text = (count++ ? text "\n" : "") $0 }
END {
  if (!found) exit 3
  out = ""
  while ((i = index(text, "\"@kd-")) > 0) {
    before = (i > 1) ? substr(text, i - 1, 1) : ":"
    rest = substr(text, i + 1)
    j = index(rest, "\"")
    if (j == 0) break
    name = substr(rest, 1, j - 1)
    rep = "\"" name "\""
    if (index(":,[ \t\n", before) > 0) {
      if (name == "@kd-node") rep = node
      else if (name == "@kd-connected-secrets") rep = slurp(secrets "/connected-secrets.json")
      else if (index(name, "@kd-secret-keys:") == 1) {
        role = substr(name, 17)
        if (role ~ /^[A-Za-z0-9._-]+$/) rep = slurp(secrets "/secret-keys." role ".json")
      }
    }
    if (missing != "") { print missing > "/dev/stderr"; exit 4 }
    out = out substr(text, 1, i - 1) rep
    text = substr(rest, j + 1)
  }
  printf "%s\n", out text
}'

# write_configmeta: /etc/guestconfig/configmeta.json for this member, mode 0600, replaced only
# when its content changes (a new generation, or a Secret refreshed after the ConfigMap).
# Fails (and leaves the file as it was) while this pod or a secret file is not there yet.
write_configmeta() {
  _out=$GUEST/configmeta.json
  _tmp=$GUEST/.configmeta.json.$$
  if [ ! -s "$SNAP/configmeta.json" ]; then
    log "waiting: configmeta.json is missing or empty at generation $G"
    return 1
  fi
  (umask 077 && awk -F "$TAB" -v pod="$POD" -v nodes="$SNAP/nodes" -v secrets="$SECRETS" \
    "$AWK_CONFIGMETA" "$SNAP/nodes" "$SNAP/configmeta.json" >"$_tmp" 2>"$STATE/.awk.err.$$")
  _status=$?
  if [ "$_status" -ne 0 ]; then
    case $_status in
      3) log "waiting: $POD is not in nodes at generation $G" ;;
      4) log "waiting: $(cat "$STATE/.awk.err.$$") is missing" ;;
      *) log "configmeta assembly failed (awk status $_status): $(cat "$STATE/.awk.err.$$")" ;;
    esac
    rm -f "$_tmp" "$STATE/.awk.err.$$"
    return 1
  fi
  rm -f "$STATE/.awk.err.$$"
  chmod 600 "$_tmp"
  if [ -f "$_out" ] && cmp -s "$_tmp" "$_out"; then
    rm -f "$_tmp"
  else
    mv -f "$_tmp" "$_out" && log "wrote configmeta.json for generation $G"
  fi
}

# ---------------------------------------------------------------------------------------------
# Failure report

# tail_of FILE N: the last N bytes of FILE (nothing for N = 0 or no file), then one newline, so
# the hooks can cut each section at the newline before the next header.
tail_of() {
  if [ "$2" -gt 0 ] && [ -f "$1" ]; then tail -c "$2" "$1"; fi
  echo
}

# report REASON STDOUT-FILE STDERR-FILE: the termination message, at most 3500 bytes in all;
# each tail gets at most KD_MAX_LOG bytes, and a short one leaves its share to the other.
report() {
  _reason=$(printf '%s' "$1" | tr '\n\t' '  ')
  _head="kubedirector: configure failed: $(printf '%.'"$REASON_LIMIT"'s' "$_reason")"
  _max=$MAX_LOG
  # Bytes, not characters: the header line, two section headers and the newline after each tail.
  _budget=$((REPORT_LIMIT - $(printf '%s\n' "$_head" | wc -c) - 15 - 15 - 2))
  _nout=$(size "$2")
  _nerr=$(size "$3")
  [ "$_nout" -gt "$_max" ] && _nout=$_max
  [ "$_nerr" -gt "$_max" ] && _nerr=$_max
  if [ $((_nout + _nerr)) -gt "$_budget" ]; then
    _half=$((_budget / 2))
    if [ "$_nout" -le "$_half" ]; then
      _nerr=$((_budget - _nout))
    elif [ "$_nerr" -le "$_half" ]; then
      _nout=$((_budget - _nerr))
    else
      _nout=$_half
      _nerr=$((_budget - _half))
    fi
  fi
  _msg=$STATE/.report.$$
  {
    printf '%s\n' "$_head"
    echo '--- stdout ---'
    tail_of "$2" "$_nout"
    echo '--- stderr ---'
    tail_of "$3" "$_nerr"
  } >"$_msg"
  write_termination_log <"$_msg"
  rm -f "$_msg"
}

# The kubelet bind-mounts this file: write it in place, never replace it.
write_termination_log() {
  mkdir -p "${TERMLOG%/*}" 2>/dev/null
  cat >"$TERMLOG"
}

# fail REASON [STDOUT-FILE] [STDERR-FILE]: report first, then mark the failure that makes the
# liveness probe fail, so the kubelet restarts the container with the report in place.
fail() {
  report "$1" "${2:-}" "${3:-}"
  put failed "$1"
  log "setup failed: $1"
  return 1
}

# ---------------------------------------------------------------------------------------------
# Setup: file injections, setup package, systemd, startscript --configure

ERR=

inject_files() {
  _list=$SNAP/injections.$ROLE
  [ -s "$_list" ] || return 0
  have_fetcher || {
    fail "file injection needs curl or wget, and neither is installed"
    return 1
  }
  while IFS= read -r _line <&3; do
    [ -n "$_line" ] || continue
    # cut keeps empty fields, which `read` with IFS=TAB would collapse.
    _url=$(printf '%s\n' "$_line" | cut -f1)
    _dest=$(printf '%s\n' "$_line" | cut -f2)
    _mode=$(printf '%s\n' "$_line" | cut -f3)
    _owner=$(printf '%s\n' "$_line" | cut -f4)
    _group=$(printf '%s\n' "$_line" | cut -f5)
    case $_dest in /*) ;; *) _dest=/$_dest ;; esac
    _file=$ROOT$_dest/${_url##*/}
    log "file injection: $_url -> $_dest"
    if ! { mkdir -p "$ROOT$_dest" && fetch "$_url" "$_file.part" && mv -f "$_file.part" "$_file"; } 2>"$ERR"; then
      rm -f "$_file.part"
      fail "file injection of $_url into $_dest failed" "" "$ERR"
      return 1
    fi
    if ! {
      { [ -z "$_mode" ] || chmod "$_mode" "$_file"; } &&
        { [ -z "$_owner" ] || chown "$_owner" "$_file"; } &&
        { [ -z "$_group" ] || chgrp "$_group" "$_file"; }
    } 2>"$ERR"; then
      fail "file injection of $_url: setting mode/owner/group of $_dest/${_url##*/} failed" "" "$ERR"
      return 1
    fi
  done 3<"$_list"
  return 0
}

install_package() {
  [ -n "$PACKAGE_URL" ] || return 0
  _pkg=$SETUP/appconfig.tgz
  log "installing setup package $PACKAGE_URL"
  if ! { mkdir -p "$SETUP" && chmod 700 "$SETUP" && rm -rf "${SETUP:?}"/*; } 2>"$ERR"; then
    fail "cannot prepare /opt/guestconfig" "" "$ERR"
    return 1
  fi
  case $PACKAGE_URL in
    file://*)
      _path=${PACKAGE_URL#file://}
      _path=${_path#localhost}
      cp "$ROOT$_path" "$_pkg" 2>"$ERR"
      ;;
    http://* | https://*)
      if ! have_fetcher; then
        fail "setup package $PACKAGE_URL needs curl or wget, and neither is installed"
        return 1
      fi
      fetch "$PACKAGE_URL" "$_pkg" 2>"$ERR"
      ;;
    configmap://*)
      cp "$CONFIG/${PACKAGE_KEY:-package.$ROLE.tgz}" "$_pkg" 2>"$ERR"
      ;;
    *)
      fail "unsupported setup package URL $PACKAGE_URL"
      return 1
      ;;
  esac
  if [ $? -ne 0 ]; then
    fail "cannot get setup package $PACKAGE_URL" "" "$ERR"
    return 1
  fi
  if ! (cd "$SETUP" && tar xzf appconfig.tgz) 2>"$ERR" </dev/null; then
    fail "cannot extract setup package $PACKAGE_URL" "" "$ERR"
    return 1
  fi
  rm -f "$_pkg"
  if ! _script=$(startscript); then
    fail "setup package $PACKAGE_URL has no startscript"
    return 1
  fi
  chmod u+x "$_script"
}

wait_systemd() {
  [ "$SYSTEMD" = 1 ] || return 0
  _waited=0
  is_uint "$SYSTEMD_WAIT" || SYSTEMD_WAIT=300
  log "waiting for systemd"
  while :; do
    _answer=$(systemctl is-system-running 2>/dev/null | tr '\n' ' ')
    _answer=${_answer% }
    case $_answer in running* | degraded*) return 0 ;; esac
    if [ "$_waited" -ge "$SYSTEMD_WAIT" ]; then
      fail "systemd is not running after $SYSTEMD_WAIT s (systemctl is-system-running: ${_answer:-no answer})"
      return 1
    fi
    sleep 2
    _waited=$((_waited + 2))
  done
}

run_configure() {
  _script=$(startscript) || return 0
  if ! handles configure; then
    log "configure is not among KD_EVENTS ($EVENTS): startscript not run"
    return 0
  fi
  log "running $_script --configure"
  run_script "$_script" --configure >"$SETUP/configure.stdout" 2>"$SETUP/configure.stderr"
  _status=$?
  log "startscript --configure exited with status $_status"
  if [ "$_status" -ne 0 ]; then
    fail "startscript --configure exited with status $_status" "$SETUP/configure.stdout" "$SETUP/configure.stderr"
    return 1
  fi
}

setup() {
  if [ -f "$STATE/failed" ]; then
    log "retrying the setup that failed: $(get failed)"
    rm -f "$STATE/failed"
  fi
  ERR=$STATE/.err.$$
  inject_files && install_package && wait_systemd && run_configure
  _status=$?
  rm -f "$ERR"
  [ "$_status" -eq 0 ] || return 1
  # done and known first: a crash in between must not leave a configured member that runs old
  # events or thinks it knows nobody.
  put "done" "$(highest_event)"
  awk -F "$TAB" '$4 != "" { print $4 }' "$SNAP/members" | sort >"$STATE/.known.$$" && mv -f "$STATE/.known.$$" "$STATE/known"
  put self "$(self_fqdn)"
  put package "$PACKAGE_ID"
  put configured "$G"
  write_termination_log </dev/null
  log "configured at generation $G (events up to $(get "done") predate this member)"
}

# ---------------------------------------------------------------------------------------------
# Notifications

# attempts_of ID: how many times this event has been started already.
attempts_of() {
  _a=$(get attempts)
  if [ "${_a% *}" = "$1" ] && is_uint "${_a#* }"; then echo "${_a#* }"; else echo 0; fi
}

# notify: run the events for this member's role above `done`, in id order. Fails when one is
# left to retry.
notify() {
  _script=$(startscript) || _script=
  _done=$(get "done" 0.0)
  while _entry=$(next_event "$_done"); do
    _id=${_entry%%"$TAB"*}
    _args=${_entry#*"$TAB"}
    _name=${_args%%"$TAB"*}
    _name=${_name#--}
    _fqdns=
    _learn=
    case $_name in
      addnodes | delnodes)
        _fqdns=$(news "$_name" "$(fqdns_of "$_args")")
        _args=$(with_fqdns "$_args" "$_fqdns")
        _learn=$_fqdns
        ;;
      leave)
        # Run by the departing member alone, about itself.
        _self=$(self_fqdn)
        case ",$(fqdns_of "$_args")," in
          *",$_self,"*) _fqdns=$_self ;;
        esac
        _args=$(with_fqdns "$_args" "$_fqdns")
        ;;
    esac
    if [ -z "$_script" ] || ! handles "$_name"; then
      log "event $_id ($_name) is not for this role's startscript: marked done"
    elif [ "$_name" != reconnect ] && [ -z "$_fqdns" ]; then
      log "event $_id ($_name) tells this member nothing new: marked done"
    else
      _attempt=$(($(attempts_of "$_id") + 1))
      put attempts "$_id $_attempt"
      log "event $_id attempt $_attempt: startscript $(printf '%s' "$_args" | tr '\t' ' ')"
      run_script "$_script" "$_args" >"$STATE/notify.stdout" 2>"$STATE/notify.stderr"
      _status=$?
      cat "$STATE/notify.stdout" "$STATE/notify.stderr" >>"$LOG" 2>/dev/null
      if [ "$_status" -eq 0 ]; then
        log "event $_id done"
        rm -f "$STATE/notify"
        [ "$_name" = leave ] && put left "$_id"
      else
        # Reported through the channel (the hooks show it in status); never a liveness failure.
        put notify "$_id$TAB$_attempt${TAB}startscript --$_name exited with status $_status"
        if [ "$_attempt" -ge "$MAX_ATTEMPTS" ]; then
          log "event $_id failed with status $_status, attempt $_attempt of $MAX_ATTEMPTS: skipped"
        else
          log "event $_id failed with status $_status, attempt $_attempt of $MAX_ATTEMPTS: retried on the next pass"
          return 1
        fi
      fi
    fi
    # The membership changes even when the startscript does not take the event.
    [ -n "$_learn" ] && learn "$_name" "$_learn"
    put "done" "$_id"
    rm -f "$STATE/attempts"
    _done=$_id
  done
  return 0
}

# report_progress: what the hooks learn of this member, for the sidecar to put on its Lease
# (see PROTOCOL.md). Written only when it changes, atomically; nothing without a channel.
report_progress() {
  [ -d "$CHANNEL" ] || return 0
  _p=$CHANNEL/.progress.$$
  {
    for _k in seen configured processed "done" left failed; do
      [ -f "$STATE/$_k" ] && printf '%s\t%s\n' "$_k" "$(get "$_k" | tr '\t' ' ')"
    done
    [ -f "$STATE/notify" ] && printf 'notify\t%s\n' "$(get notify)"
    :
  } >"$_p" 2>/dev/null || {
    rm -f "$_p"
    return 0
  }
  if [ -f "$CHANNEL/progress" ] && cmp -s "$_p" "$CHANNEL/progress"; then
    rm -f "$_p"
    return 0
  fi
  if [ -f "$STATE/notify" ]; then
    tail -c "$MAX_LOG" "$STATE/notify.stdout" >"$CHANNEL/notify.stdout" 2>/dev/null
    tail -c "$MAX_LOG" "$STATE/notify.stderr" >"$CHANNEL/notify.stderr" 2>/dev/null
  fi
  chmod 644 "$_p" 2>/dev/null
  mv -f "$_p" "$CHANNEL/progress"
}

# ---------------------------------------------------------------------------------------------
# Commands

step() {
  if [ -z "$POD" ] || [ -z "$ROLE" ]; then
    echo "agent.sh: KD_POD_NAME and KD_ROLE must be set" >&2
    return 2
  fi
  prepare_dirs || return 1
  pass
  _status=$?
  report_progress
  return "$_status"
}

pass() {
  choose_source
  # Nothing to do until the ConfigMap, this pod's line and the Secret are all there. A
  # configured member whose line is gone is leaving: it keeps its configmeta and still runs
  # the events meant for it (its --leave).
  snapshot || { log "waiting: no readable generation in $CONFIG"; return 0; }
  if ! write_configmeta; then
    [ -f "$STATE/configured" ] || return 0
  fi
  if [ "$(get seen)" != "$G" ]; then
    put seen "$G"
    log "generation $G seen"
  fi
  if ! configured_here; then
    if [ -f "$STATE/configured" ]; then
      log "setup package changed from '$(get package)' to '$PACKAGE_ID': configuring again"
      rm -f "$STATE/configured"
    fi
    setup || return 1
  elif [ -n "$PACKAGE_URL" ] && ! startscript >/dev/null; then
    # A new container on a persisted /etc: configured before, but its package lived in the
    # old container's filesystem. Install it again (without --configure) for the events to come.
    ERR=$STATE/.err.$$
    install_package || return 1
    rm -f "$ERR"
    log "setup package installed again in a new container"
  fi
  notify || return 0
  if [ "$(get processed)" != "$G" ]; then
    put processed "$G"
    log "generation $G processed"
  fi
  return 0
}

run() {
  prepare_dirs || return 1
  put loop.pid "$$"
  log "agent loop started (pid $$)"
  while :; do
    step
    [ $? -eq 2 ] && return 2
    if [ -f "$STATE/failed" ]; then
      # Leave the failure to the liveness probe: the kubelet restarts the container, whose
      # new agent retries the setup.
      log "agent loop stops after the failed setup"
      return 1
    fi
    sleep 2
  done
}

# launch: the app's main process for images whose entrypoint does not run it. Waits until this
# member is configured (by the loop `start` began), then execs the package's `run` from its
# directory, so the app runs in the foreground and the kubelet restarts the container when it
# exits. A new container on a persisted /etc is configured already and launches at once.
launch() {
  if [ -z "$POD" ] || [ -z "$ROLE" ]; then
    echo "agent.sh: KD_POD_NAME and KD_ROLE must be set" >&2
    return 2
  fi
  prepare_dirs || return 1
  log "launch: waiting until the member is configured"
  while ! configured_here || ! _script=$(startscript); do
    sleep 1
  done
  _run=${_script%/*}/run
  if [ ! -f "$_run" ]; then
    echo "agent.sh launch: the setup package $PACKAGE_URL has no run script" >&2
    log "launch: the setup package has no run script"
    return 1
  fi
  log "launch: exec $_run"
  cd "${_run%/*}" || return 1
  KD_CONFIG=$SNAP
  KD_CONFIGMETA=$GUEST/configmeta.json
  export KD_CONFIG KD_CONFIGMETA
  exec /bin/sh "$_run"
}

start() {
  prepare_dirs || return 1
  # A new container retries a failed setup: clear the failure before the kubelet starts probing
  # (it waits for this hook), or the liveness probe could kill the container before the retry.
  if [ -f "$STATE/failed" ]; then
    log "new container: the setup that failed will be retried ($(get failed))"
    rm -f "$STATE/failed"
  fi
  # Detached, every descriptor redirected: the postStart hook must not wait for the loop.
  nohup /bin/sh "$0" run </dev/null >>"$LOG" 2>&1 &
  return 0
}

# Ready once the initial configure is done and has not failed; later generations are reported
# through the channel and never make the member NotReady.
ready() {
  configured_here && [ ! -f "$STATE/failed" ]
}

alive() {
  [ ! -f "$STATE/failed" ]
}

case ${1:-} in
  start) start ;;
  run) run ;;
  step) step ;;
  ready) ready ;;
  alive) alive ;;
  launch) launch ;;
  *)
    echo "usage: agent.sh start|run|step|ready|alive|launch" >&2
    exit 2
    ;;
esac

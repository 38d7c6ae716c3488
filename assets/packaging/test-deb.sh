#!/usr/bin/env bash
# Tests the Debian package the way a technician uses it, on this machine, as root:
# inspects it, installs it with apt, runs the installed program with no Swift toolchain
# in reach, checks its libraries, the man page, the completions and the systemd unit,
# reinstalls it over an edited /etc/default/mr5-backup, then removes and purges it and
# checks that a data dir made with it is untouched.
#
#   bash assets/packaging/test-deb.sh [DEB]    # default: the newest .build/deb/mr5-backup_*.deb
#
# It installs and removes the package mr5-backup (an installed one is purged first): run
# it on CI or a machine you can spare, not on a POS terminal that uses the package.
# Exits non-zero at the first failure with one line `test-deb: FAIL: <reason>`.
set -euo pipefail
cd "$(dirname "$0")/../.."

passed=0
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "test-deb: ok: $*"; }
# The installed program as a technician's shell would run it: no toolchain on PATH, no
# LD_LIBRARY_PATH, nothing else from this environment.
run() { env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$work/home" "$@"; }

[ "$(id -u)" = 0 ] || fail "run as root: it installs and removes the package"
deb=${1:-$(ls -t .build/deb/mr5-backup_*.deb 2>/dev/null | head -n 1)}
[ -n "$deb" ] && [ -f "$deb" ] || fail "no package: run 'bash assets/packaging/build-deb.sh' first, or give the .deb"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
for tool in dpkg-deb apt-get man systemd-analyze ldd; do
    command -v "$tool" >/dev/null || fail "$tool not found (apt-get install dpkg-dev man-db systemd)"
done
# Where the Swift toolchain lives, to prove the installed program needs nothing from it.
swift_dir=
if command -v swift >/dev/null; then swift_dir=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")"); fi

work=$(mktemp -d /tmp/mr5-backup-deb-test.XXXXXX)
chmod 0755 "$work"
mkdir -p "$work/home"
dropin=/etc/systemd/system/mr5-backup.service.d
made_user='' test_user=''
cleanup() {
    rm -rf "$work"
    rm -f "$dropin/test-deb.conf"; rmdir "$dropin" 2>/dev/null || true
    if [ -n "$made_user" ]; then userdel "$test_user" 2>/dev/null || true; fi
    if dpkg -s mr5-backup >/dev/null 2>&1; then dpkg -P mr5-backup >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# 1. What the package says about itself.
echo "test-deb: $deb"
dpkg-deb --info "$deb"
version=$(dpkg-deb --field "$deb" Version)
arch=$(dpkg-deb --field "$deb" Architecture)
depends=$(dpkg-deb --field "$deb" Depends)
[ "$(dpkg-deb --field "$deb" Package)" = mr5-backup ] || fail "Package is not mr5-backup"
[ "$(basename "$deb")" = "mr5-backup_${version}_${arch}.deb" ] || fail "file name $(basename "$deb") is not mr5-backup_${version}_${arch}.deb"
[ "$arch" = "$(dpkg --print-architecture)" ] || fail "Architecture $arch is not this machine's $(dpkg --print-architecture)"
[[ $depends == *libc6* ]] || fail "Depends '$depends' does not name libc6"
[[ $depends != *swift* ]] || fail "Depends '$depends' names a Swift package"
[ "$(dpkg-deb --field "$deb" Recommends)" = restic ] || fail "Recommends is not restic"
[ "$(dpkg-deb --info "$deb" conffiles)" = /etc/default/mr5-backup ] || fail "conffiles is not /etc/default/mr5-backup"
ok "control: mr5-backup $version $arch, Depends: $depends"

# 2. Every file where it belongs, owned by root, nothing else.
contents=$(dpkg-deb --contents "$deb")
echo "$contents"
expect() { # mode path
    grep -qE "^$1 root/root +[0-9]+ [0-9-]+ [0-9:]+ \./$2\$" <<<"$contents" || fail "not in the package as $1 root/root: /$2"
}
expect -rwxr-xr-x usr/bin/mr5-backup
expect -rw-r--r-- lib/systemd/system/mr5-backup.service
expect -rw-r--r-- etc/default/mr5-backup
expect -rw-r--r-- usr/share/man/man1/mr5-backup.1.gz
expect -rw-r--r-- usr/share/bash-completion/completions/mr5-backup
expect -rw-r--r-- usr/share/zsh/vendor-completions/_mr5-backup
expect -rw-r--r-- usr/share/fish/vendor_completions.d/mr5-backup.fish
expect -rw-r--r-- usr/share/doc/mr5-backup/README.md
expect -rw-r--r-- usr/share/doc/mr5-backup/copyright
expect -rw-r--r-- usr/share/doc/mr5-backup/changelog.gz
expect -rwxr-xr-x usr/lib/mr5-backup/litestream
expect -rw-r--r-- usr/share/doc/mr5-backup/litestream-LICENSE
if grep -vE ' root/root ' <<<"$contents" | grep -q .; then fail "files not owned by root/root"; fi
stray=$(awk '{print $6}' <<<"$contents" | grep -vE '^\./(usr/bin/mr5-backup|usr/lib/(mr5-backup/(litestream)?)?|lib/systemd/system/(mr5-backup\.service)?|etc/(default/(mr5-backup)?)?|usr/share/(man/(man1/(mr5-backup\.1\.gz)?)?|bash-completion/(completions/(mr5-backup)?)?|zsh/(vendor-completions/(_mr5-backup)?)?|fish/(vendor_completions\.d/(mr5-backup\.fish)?)?|doc/(mr5-backup/.*)?)?|usr/(bin/)?|lib/(systemd/)?)?$' || true)
[ -z "$stray" ] || fail "unexpected paths in the package: $(tr "\n" " " <<<"$stray")"
ok "contents: program, unit, /etc/default, man page, completions and docs where they belong"

# 3. Install it as a technician would, with apt (which resolves Depends and Recommends).
if dpkg -s mr5-backup >/dev/null 2>&1; then
    echo "test-deb: mr5-backup is installed already: purging it first"
    dpkg -P mr5-backup
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" </dev/null
[ "$(dpkg-query -W -f '${Status} ${Version}' mr5-backup)" = "install ok installed $version" ] || fail "dpkg does not list mr5-backup $version as installed"
ok "apt-get install ./$(basename "$deb")"

# 4. The installed program runs with nothing from the toolchain.
out=$(run /usr/bin/mr5-backup --version) || fail "'mr5-backup --version' failed"
[ "$out" = "$version" ] || fail "'mr5-backup --version' says '$out', the package $version"
ok "/usr/bin/mr5-backup --version: $out"

libs=$(run ldd /usr/bin/mr5-backup) || fail "ldd /usr/bin/mr5-backup failed"
echo "$libs"
if grep -q "not found" <<<"$libs"; then fail "a library is missing: $(grep 'not found' <<<"$libs" | head -n 1)"; fi
if grep -qiE 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libXCTest' <<<"$libs"; then
    fail "links a Swift runtime library: $(grep -iE 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime' <<<"$libs" | head -n 1)"
fi
if [ -n "$swift_dir" ] && [ "$swift_dir" != / ] && grep -qF "$swift_dir/" <<<"$libs"; then
    fail "links a library from the Swift toolchain in $swift_dir"
fi
ok "ldd: $(grep -c '=>' <<<"$libs") system libraries, none from the Swift toolchain${swift_dir:+ ($swift_dir)}"

shop=$work/shop
run /usr/bin/mr5-backup demo --size-mb 5 --data-dir "$shop" || fail "'mr5-backup demo --data-dir $shop' failed"
[ -f "$shop/mr5-pos.db" ] || fail "demo made no $shop/mr5-pos.db"
ok "demo --data-dir $shop"

# Continuous protection with the Litestream the package carries (PATH has none).
ls_version=$(run /usr/lib/mr5-backup/litestream version) || fail "/usr/lib/mr5-backup/litestream does not run"
[[ $ls_version =~ ^0\.5\. ]] || fail "the package's Litestream is $ls_version, not 0.5.x"
run /usr/bin/mr5-backup continuous init --same-disk --replica "$work/replica" --data-dir "$shop" >/dev/null \
    || fail "'continuous init' with the package's Litestream failed"
ls "$work"/replica/*/*/ltx/0/*.ltx >/dev/null 2>&1 || fail "'continuous init' wrote no Litestream file under $work/replica"
run /usr/bin/mr5-backup continuous off --data-dir "$shop" >/dev/null || fail "'continuous off' failed"
ok "continuous init/off with the package's Litestream $ls_version"

set +e
status=$(run /usr/bin/mr5-backup status --data-dir "$shop"); code=$?
set -e
echo "$status"
# The demo shop has no scheduler running: WARNING (1) is expected; UNKNOWN (3) means it could not judge.
[[ $code -le 2 && $status =~ ^(OK|WARNING|CRITICAL) ]] || fail "'status --data-dir $shop' exited $code: $status"
ok "status --data-dir $shop (exit $code)"

run /usr/bin/mr5-backup create --data-dir "$shop" >/dev/null || fail "'mr5-backup create' failed"
history=$(run /usr/bin/mr5-backup history --json --limit 1 --data-dir "$shop") || fail "'mr5-backup history --json' failed"
grep -q "\"version\" : \"$version\"" <<<"$history" || fail "the history does not say version $version: $history"
grep -qx "mr5_backup_info{version=\"$version\"} 1" "$shop/logs/mr5_backup.prom" || fail "the metrics have no mr5_backup_info{version=\"$version\"} 1"
ok "create: the history and the metrics say version $version"

# With the toolchain folder hidden (a private mount namespace), where that is allowed.
if [ -n "$swift_dir" ] && [ "$swift_dir" != / ] && unshare -m true 2>/dev/null; then
    hidden=$(unshare -m sh -c 'mount -t tmpfs none "$1" && shift && exec env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"' \
        sh "$swift_dir" /usr/bin/mr5-backup list --data-dir "$shop") || fail "'mr5-backup list' fails with $swift_dir hidden"
    [ -n "$hidden" ] || fail "'mr5-backup list' printed nothing with $swift_dir hidden"
    ok "list with $swift_dir hidden"
fi

# 5. The man page renders and man finds it; the completions load.
rendered=$(run MANWIDTH=80 man -l /usr/share/man/man1/mr5-backup.1.gz 2>"$work/man.err") || fail "man -l failed: $(head -n 1 "$work/man.err")"
[ ! -s "$work/man.err" ] || fail "man -l warns: $(head -n 1 "$work/man.err")"
for section in NAME SYNOPSIS DESCRIPTION; do
    grep -q "^$section" <<<"$rendered" || fail "the man page has no $section section"
done
grep -q "pre-update" <<<"$rendered" || fail "the man page does not describe the subcommands (no pre-update)"
[ "$(run man -w mr5-backup)" = /usr/share/man/man1/mr5-backup.1.gz ] || fail "'man -w mr5-backup' does not find the installed page"
ok "man -l renders the page ($(wc -l <<<"$rendered") lines), man -w finds it"

bash -c 'source /usr/share/bash-completion/completions/mr5-backup && complete -p mr5-backup' >/dev/null \
    || fail "the bash completion does not register for mr5-backup"
if command -v zsh >/dev/null; then zsh -n /usr/share/zsh/vendor-completions/_mr5-backup || fail "zsh completion: syntax error"; fi
if command -v fish >/dev/null; then fish -n /usr/share/fish/vendor_completions.d/mr5-backup.fish || fail "fish completion: syntax error"; fi
ok "completions: bash registers$(command -v zsh >/dev/null && echo ', zsh parses')$(command -v fish >/dev/null && echo ', fish parses')"

# 6. systemd accepts the unit as installed (with its placeholder User=mr5pos, which need
# not exist for the check), and with the user set by a drop-in, the documented way, naming
# a throwaway user made for the check (systemd warns about special users such as nobody).
verify=$(systemd-analyze verify /lib/systemd/system/mr5-backup.service 2>&1) || fail "systemd-analyze verify: $(head -n 1 <<<"$verify")"
[ -z "$verify" ] || fail "systemd-analyze verify warns: $(head -n 1 <<<"$verify")"
test_user=mr5-deb-test
id "$test_user" >/dev/null 2>&1 || { useradd --system --no-create-home --shell /usr/sbin/nologin "$test_user"; made_user=1; }
mkdir -p "$dropin"
printf '[Service]\nUser=%s\n' "$test_user" > "$dropin/test-deb.conf"
verify=$(systemd-analyze verify /lib/systemd/system/mr5-backup.service 2>&1) || fail "systemd-analyze verify with a drop-in: $(head -n 1 <<<"$verify")"
[ -z "$verify" ] || fail "systemd-analyze verify warns with a drop-in: $(head -n 1 <<<"$verify")"
# The drop-in is read: a bad line in it is reported against it.
printf '[Service]\nUser=%s\nNoSuchSetting=1\n' "$test_user" > "$dropin/test-deb.conf"
verify=$(systemd-analyze verify /lib/systemd/system/mr5-backup.service 2>&1 || true)
grep -q "test-deb.conf" <<<"$verify" || fail "systemd-analyze verify does not read drop-ins in $dropin"
rm -f "$dropin/test-deb.conf"; rmdir "$dropin"
ok "systemd-analyze verify: the unit, and with User=$test_user from a drop-in"

# 7. Reinstalling (as an upgrade does) keeps an edited /etc/default/mr5-backup.
sed -i "s|^MR5_POS_DATA_DIR=.*|MR5_POS_DATA_DIR=$shop|" /etc/default/mr5-backup
dpkg -i "$deb" </dev/null >/dev/null || fail "reinstalling over an edited /etc/default/mr5-backup failed"
grep -qx "MR5_POS_DATA_DIR=$shop" /etc/default/mr5-backup || fail "reinstalling replaced the edited /etc/default/mr5-backup"
ok "reinstall keeps the edited /etc/default/mr5-backup"

# 8. Removing and purging leave the data dir exactly as it was.
listing() { find "$shop" -printf '%P %y %s %m %u:%g %T@\n' | LC_ALL=C sort; }
before=$(listing)
dpkg -r mr5-backup || fail "dpkg -r mr5-backup failed"
for f in /usr/bin/mr5-backup /lib/systemd/system/mr5-backup.service /usr/share/man/man1/mr5-backup.1.gz \
         /usr/share/bash-completion/completions/mr5-backup /usr/share/zsh/vendor-completions/_mr5-backup \
         /usr/share/fish/vendor_completions.d/mr5-backup.fish /usr/share/doc/mr5-backup/README.md; do
    [ ! -e "$f" ] || fail "dpkg -r left $f"
done
[ -f /etc/default/mr5-backup ] || fail "dpkg -r removed the conffile (only purge should)"
[ "$before" = "$(listing)" ] || fail "dpkg -r changed the data dir $shop"
ok "dpkg -r: files gone, /etc/default/mr5-backup kept, data dir untouched ($(wc -l <<<"$before") entries)"
dpkg -P mr5-backup || fail "dpkg -P mr5-backup failed"
[ ! -e /etc/default/mr5-backup ] || fail "dpkg -P left /etc/default/mr5-backup"
! dpkg -s mr5-backup >/dev/null 2>&1 || fail "dpkg still knows mr5-backup after purge"
[ "$before" = "$(listing)" ] || fail "dpkg -P changed the data dir $shop"
ok "dpkg -P: conffile gone, data dir untouched"

echo "test-deb: all $passed checks of mr5-backup $version passed"
echo "deb: $passed passed, 0 failed"

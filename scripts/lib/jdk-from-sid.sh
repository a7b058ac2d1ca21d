#!/usr/bin/env bash
# Provides a JDK 25 on a machine that has none (Debian 12 packages only OpenJDK 17): Debian sid's OpenJDK 25,
# unpacked under /opt/jcri/jdk-sid without touching the system's packages or alternatives; JAVA_HOME is
# /opt/jcri/jdk-sid/home. scripts/lib/jdk.sh picks it when no other JDK 25+ is there, or always with JCRI_JDK=sid.
# sid's JDK needs a newer glibc than Debian 12's, so its programs run with sid's own loader and C libraries: each
# ELF program the JDK starts by path (bin/*, and lib/jspawnhelper through which the JVM starts child processes)
# becomes a small script that runs the real one through sid's ld.so with --library-path. Unlike LD_LIBRARY_PATH,
# that is not passed on to what the JVM starts (runc, conmon and the rest keep the system's libraries). The
# scripts stand where the programs stood, so a JVM that starts another JVM from its java.home (Maven's Surefire,
# the AOT cache's assembly step) gets one that works too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sid-apt.sh"
top=/opt/jcri/jdk-sid
root=$top/root
jdk=$root/usr/lib/jvm/java-25-openjdk-amd64
libs=$root/usr/lib/x86_64-linux-gnu
rm -rf "$top"
sid_unpack "$root" openjdk-25-jre-headless openjdk-25-jdk-headless libc6 libgcc-s1 libstdc++6 zlib1g
# The packages link some files to /etc/java-25-openjdk (its conf files, unpacked beside them): point those links
# into the unpacked tree. Links to what only the system has (its CA certificates) stay as they are.
find "$root/usr/lib/jvm" -type l -lname '/*' | while read -r l; do
  t=$(readlink "$l")
  if [ -e "$root$t" ]; then ln -sfn "$root$t" "$l"; fi
done
wrap() {   # wrap PROGRAM REAL LIBRARY_PATH
  mv "$1" "$2"
  printf '#!/bin/sh\nexec %s --library-path %s %s "$@"\n' "$libs/ld-linux-x86-64.so.2" "$3" "$2" > "$1"
  chmod 755 "$1"
}
mkdir "$jdk/bin.real"
for t in "$jdk"/bin/*; do wrap "$t" "$jdk/bin.real/$(basename "$t")" "$libs:$jdk/lib"; done
wrap "$jdk/lib/jspawnhelper" "$jdk/lib/jspawnhelper.real" "$libs"
ln -s "$jdk" "$top/home"
echo "jdk: Debian sid's OpenJDK 25 unpacked in $top (JAVA_HOME=$top/home): $("$top/home/bin/java" -version 2>&1 | head -1)"

# Sourced by ./mvnw and ./run-example: finds a JDK 25 on this machine.
# find_jdk25 prints JAVA_HOME when it is a JDK 25, else the first JDK 25 under /usr/lib/jvm
# (Temurin's, next to the default JDK 17); it fails when there is none.
is_jdk25() { [ -x "$1/bin/javac" ] && "$1/bin/java" -version 2>&1 | grep -q 'version "25'; }
find_jdk25() {
  if [ -n "${JAVA_HOME:-}" ] && is_jdk25 "$JAVA_HOME"; then echo "$JAVA_HOME"; return; fi
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    if [ -d "$d" ] && is_jdk25 "$d"; then echo "$d"; return; fi
  done
  return 1
}

#!/usr/bin/env bash
# Fails when an ELF file under the given folders carries an RPATH/RUNPATH entry that is empty or
# relative (not starting with '/' or '$ORIGIN'): the loader would then search the current folder,
# so a library planted where winnow runs would be loaded. Usage: check_runpath.sh DIR...
set -euo pipefail
bad=0
checked=0
while IFS= read -r -d '' file; do
  head -c 4 "$file" | grep -q $'\x7fELF' || continue
  checked=$((checked + 1))
  paths=$(readelf -d "$file" 2>/dev/null | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p')
  [ -n "$paths" ] || continue
  IFS=':' read -r -a entries <<< "$paths:"
  if [[ "$paths" == *: ]] || [[ "$paths" == :* ]] || [[ "$paths" == *::* ]]; then
    echo "$file: empty RUNPATH entry in '$paths' (the current folder is searched)"; bad=1; continue
  fi
  for entry in "${entries[@]}"; do
    [ -z "$entry" ] && continue
    case "$entry" in /*|'$ORIGIN'*) ;; *) echo "$file: relative RUNPATH entry '$entry'"; bad=1 ;; esac
  done
done < <(find "$@" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) -print0)
echo "checked $checked ELF files"
[ "$checked" -gt 0 ] || { echo "no ELF files found under $*"; exit 1; }
exit $bad

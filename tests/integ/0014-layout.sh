#!/usr/bin/env bash
# The tree is the pipeline (docs/design.md, "Layout and the include rule"):
# one folder per stage under stages/, each folder includes only the folders
# the rule allows (a stage never includes a later one; read and write meet
# only in stages/record/), no source file directly in stages/, no file over
# 800 lines, no function over 60 lines unless the line before it says why
# ("long:"), and every error line has the shape "STAGE: FILE: ...".
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

# folder -> the project folders its files may include (besides itself)
allowed() {
	case $1 in
	stages/common) echo "" ;;
	stages/record) echo "stages/common" ;;
	stages/input) echo "stages/common" ;;
	stages/read) echo "stages/common stages/record stages/input strtab queue" ;;
	stages/write) echo "stages/common stages/record stages/input strtab queue" ;;
	stages/dedup) echo "stages/common stages/record queue" ;;
	stages/distill) echo "stages/common" ;;
	stages/emit) echo "stages/common" ;;
	pipeline/diff) echo "stages/common" ;;
	queue | strtab) echo "" ;;
	pipeline) echo "*" ;;
	*) echo "?" ;;
	esac
}

bad=""
for f in $(git ls-files --cached --others --exclude-standard 'stages/*.[ch]' 'pipeline/*.[ch]' 'queue/*.[ch]' 'strtab/*.[ch]' 2> /dev/null ||
	find stages pipeline queue strtab -name '*.[ch]'); do
	dir=$(dirname "$f")
	rule=$(allowed "$dir")
	[ "$rule" = "*" ] && continue
	for inc in $(sed -n 's/^#include "\([^"]*\)"/\1/p' "$f"); do
		d=$(dirname "$inc")
		[ "$d" = "$dir" ] && continue
		case " $rule " in *" $d "*) ;; *) bad="$bad $f->$inc" ;; esac
	done
done
[ -z "$bad" ]; ok $? "every include follows the rule" || diag "against the rule:$bad"

loose=$(find stages -maxdepth 1 -name '*.[ch]')
[ -z "$loose" ]; ok $? "no source file directly in stages/" || diag "$loose"

big=$(find stages pipeline queue strtab -name '*.[ch]' -exec awk 'END { if (NR > 800) print FILENAME " " NR }' {} \;)
[ -z "$big" ]; ok $? "no source file over 800 lines" || diag "$big"

# functions: from a line "{" to the next "}" at the start of a line
long=$(find stages pipeline queue strtab -name '*.c' -exec awk '
	/^\{$/ { start = NR; sig = prev; why = (prev2 ~ /long:/ || prev3 ~ /long:/) }
	/^\}$/ && start { if (NR - start - 1 > 60 && !why) print FILENAME ": " sig " (" NR - start - 1 " lines)"; start = 0 }
	{ prev3 = prev2; prev2 = prev; prev = $0 }' {} \;)
[ -z "$long" ]; ok $? "no function over 60 lines without a reason" || diag "$long"

# error lines: fail__set's first string starts with a stage and a file
shapes=$(grep -rhoz 'fail__set([^"]*"[^"]*"' stages pipeline | tr '\0' '\n' | sed -n 's/^fail__set([^"]*"\([^"]*\)"/\1/p' |
	grep -Ev '^(input|read|write|dedup|distill|emit): %s: ')
[ -z "$shapes" ]; ok $? "every recorded error is 'STAGE: FILE: ...'" || diag "$shapes"
done_testing

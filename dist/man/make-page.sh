#!/bin/sh
# make-page.sh PAGE.md OUT.1 NAME VERSION: a manual page (section 1) from a
# program's docs page. The page's title line ("# NAME — what it is")
# becomes the NAME section, its "##" sections the manual's sections, its
# tables definition lists (tables.lua).
set -e
md=$1 out=$2 name=$3 version=$4
here=$(dirname "$0")
title=$(head -n 1 "$md" | sed -e 's/^# *//' -e "s/^$name *[—-]* *//")
{
	printf '# NAME\n\n%s \\- %s\n\n# DESCRIPTION\n\n' "$name" "$title"
	tail -n +2 "$md" | sed -e 's/^##/#/'
} | pandoc -f markdown -s -t man --lua-filter="$here/tables.lua" \
	-M title="$(echo "$name" | tr a-z A-Z)" -M section=1 \
	-V adjusting=l -V hyphenate=false -M header="sipmob manual" -M footer="sipmob $version" -o "$out"

# SPDX-License-Identifier: GPL-2.0
#
# Sourced by tools/kernel-tree and tools/series.
#
# patch_message FILE: the commit message of a patch file: its subject
# without [PATCH ...],
# then its body up to the "---" line.
patch_message()
{
	awk '
		/^Subject: / && !subj {
			s = substr($0, 10)
			while ((getline line) > 0 && line ~ /^[ \t]/)
				s = s line
			sub(/^\[[^]]*\] */, "", s)
			print s
			subj = 1
			print ""
			if (line != "")
				print line
			body = 1
			next
		}
		body && /^---$/ { exit }
		body { print }
	' "$1"
}

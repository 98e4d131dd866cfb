package deliver

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TempName returns a hidden name consumers ignore for an upload of name:
// ".<name>.<random>.partial", within the length limit of file names. Folder
// and SFTP destinations write under it; IsPartialOf recognises it.
func TempName(name string) string {
	return "." + strings.TrimPrefix(tempStem(name), ".") + "." + strconv.FormatUint(rand.Uint64(), 16) + ".partial"
}

// tempStem is the part of a file's name its temporary names keep: all of
// it, less what would make them longer than the file system allows.
func tempStem(name string) string {
	const keep = MaxFileNameLen - len("..0123456789abcdef.partial") - 1
	for len(name) > keep {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// IsPartialOf reports whether entry is a temporary name of an upload of
// name: ".STEM.RANDOM.partial" with RANDOM in hexadecimal. Nothing else —
// a delivered file, another file's temporary name — ever matches.
func IsPartialOf(entry, name string) bool {
	random, ok := strings.CutPrefix(entry, "."+strings.TrimPrefix(tempStem(name), ".")+".")
	if !ok {
		return false
	}
	random, ok = strings.CutSuffix(random, ".partial")
	_, err := strconv.ParseUint(random, 16, 64)
	return ok && err == nil
}

package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Credentials maps access key ids to their secret access keys: the keys a
// listener accepts when it verifies signatures.
type Credentials map[string]string

// LoadCredentials reads a credentials file (see ParseCredentials).
func LoadCredentials(path string) (Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	defer f.Close()
	creds, err := ParseCredentials(f)
	if err != nil {
		return nil, fmt.Errorf("credentials %s: %w", path, err)
	}
	return creds, nil
}

// ParseCredentials reads access key / secret pairs. Two layouts are
// accepted, and may be mixed:
//
//	# one pair per line: ACCESS_KEY_ID SECRET_ACCESS_KEY
//	AKIAEXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
//
//	[profile]                       # an AWS shared credentials file
//	aws_access_key_id = AKIAOTHER
//	aws_secret_access_key = secret
//
// Blank lines and lines starting with '#' or ';' are ignored. At least one
// pair is required.
func ParseCredentials(r io.Reader) (Credentials, error) {
	creds := Credentials{}
	sc := bufio.NewScanner(r)
	var pendingKey, pendingSecret string
	flush := func() {
		if pendingKey != "" && pendingSecret != "" {
			creds[pendingKey] = pendingSecret
			pendingKey, pendingSecret = "", ""
		}
	}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			pendingKey, pendingSecret = "", ""
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "aws_access_key_id":
				pendingKey = strings.TrimSpace(v)
			case "aws_secret_access_key":
				pendingSecret = strings.TrimSpace(v)
			}
			flush()
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want ACCESS_KEY_ID SECRET_ACCESS_KEY", n)
		}
		creds[fields[0]] = fields[1]
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(creds) == 0 {
		return nil, errors.New("no access key / secret pairs")
	}
	return creds, nil
}

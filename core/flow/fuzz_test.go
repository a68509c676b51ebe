package flow

import (
	"errors"
	"testing"
)

// FuzzParseWorkspace: any input either parses into a workspace that
// marshals and parses back to the same YAML, or fails with a *FileError;
// never a panic.
func FuzzParseWorkspace(f *testing.F) {
	f.Add(DemoYAML())
	f.Add([]byte("version: 1\nqueues:\n  - name: a\n    deadLetter: {queue: a, maxReceiveCount: 1}\n"))
	f.Add([]byte("version: 1\nlayout:\n  queue/x: {x: 1, y: 2}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("fuzz.yaml", data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *FileError: %v", err)
			}
			return
		}
		out, err := w.Marshal()
		if err != nil {
			t.Fatalf("marshal of a parsed workspace: %v", err)
		}
		back, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("a marshalled workspace does not parse: %v\n%s", err, out)
		}
		again, err := back.Marshal()
		if err != nil || string(again) != string(out) {
			t.Fatalf("marshal is not stable:\n%s\n---\n%s", out, again)
		}
		// Export must not panic; what it accepts must import again.
		tpl, err := ExportCloudFormation(w)
		if err != nil {
			return
		}
		if _, _, err := Import("fuzz.cfn.yaml", tpl); err != nil {
			t.Fatalf("an exported template does not import: %v\n%s", err, tpl)
		}
	})
}

// FuzzImport: templates and ASL files import or fail with a *FileError.
func FuzzImport(f *testing.F) {
	tpl, err := ExportCloudFormation(Demo())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tpl)
	f.Add([]byte(jsonTemplate))
	f.Add([]byte(samTemplate))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`))
	f.Add([]byte("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub\n        - ${X}-q\n        - X: !Join [\"\", [a, !Ref AWS::Region]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, rep, err := Import("fuzz.yaml", data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *FileError: %v", err)
			}
			return
		}
		if rep == nil {
			t.Fatal("no report")
		}
		if err := w.Validate(); err != nil {
			t.Fatalf("an imported workspace does not validate: %v", err)
		}
		if _, err := w.Marshal(); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}

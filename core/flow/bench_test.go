package flow

import "testing"

func BenchmarkParseDemoWorkspace(b *testing.B) {
	data := DemoYAML()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("demo.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportDemoCloudFormation(b *testing.B) {
	w := Demo()
	for b.Loop() {
		if _, err := ExportCloudFormation(w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImportDemoTemplate(b *testing.B) {
	tpl, err := ExportCloudFormation(Demo())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(tpl)))
	for b.Loop() {
		if _, _, err := Import("demo.cfn.yaml", tpl); err != nil {
			b.Fatal(err)
		}
	}
}

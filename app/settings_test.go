package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// listenTest serves c on a free port for the test.
func listenTest(t *testing.T, c *core.Core) *wire.Server {
	t.Helper()
	srv, err := wire.Listen(c, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

// listQueues calls the endpoint through the SDK with key and secret and
// returns the AWS error code ("" on success).
func listQueues(t *testing.T, srv *wire.Server, key, secret string) string {
	t.Helper()
	c := sqs.New(sqs.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	_, err := c.ListQueues(context.Background(), &sqs.ListQueuesInput{})
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("ListQueues: %v", err)
	}
	return ae.ErrorCode()
}

// menuItem finds the main menu's item labelled label.

// overlayButton finds the button labelled text in the window's top overlay
// (the open dialog).
func overlayButton(t *testing.T, m *MainWindow, text string) *widget.Button {
	t.Helper()
	top := m.Window().Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog open")
	}
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
		switch o := o.(type) {
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(top)
	if found == nil {
		t.Fatalf("no %q button in the dialog", text)
	}
	return found
}

// Settings › Signature verification… turns SigV4 on for the running
// endpoint with typed keys, saves it, and a window opened later on the same
// preferences applies it to its listener; unticking turns it off again.
func TestSettingsTurnSigV4OnAndOff(t *testing.T) {
	pinVersion(t)
	a, c, m, q := newTestWindow(t)
	m.Window().Resize(fyne.NewSize(1280, 800))
	waitApplied(t, m, q, 0)
	srv := listenTest(t, c)
	m.AttachListener(srv, false)
	if code := listQueues(t, srv, "anything", "at-all"); code != "" {
		t.Fatalf("before the setting: %s", code)
	}

	menuItem(t, m.Window().MainMenu(), "Settings", "Signature verification…").Action()
	f := m.settings
	if f == nil || f.enabled.Checked || !strings.Contains(f.state.Text, "not checked") {
		t.Fatalf("dialog opened with %+v", f)
	}
	test.Tap(f.enabled)
	test.Type(f.keys, "AKIAGUITEST gui-secret\nAKIASECOND second-secret")
	test.AssertImageMatches(t, "settings_sigv4.png", m.Window().Canvas().Capture())
	test.Tap(overlayButton(t, m, "Apply"))

	if n := srv.VerifiesSignatures(); n != 2 {
		t.Fatalf("listener checks %d keys, want 2", n)
	}
	if code := listQueues(t, srv, "anything", "at-all"); code != "InvalidClientTokenId" {
		t.Fatalf("unknown key after the setting: %q", code)
	}
	if code := listQueues(t, srv, "AKIAGUITEST", "wrong"); code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %q", code)
	}
	if code := listQueues(t, srv, "AKIASECOND", "second-secret"); code != "" {
		t.Fatalf("typed key refused: %s", code)
	}
	p := a.Preferences()
	if !p.Bool(prefSigV4Enabled) || !strings.Contains(p.String(prefSigV4Keys), "AKIAGUITEST gui-secret") {
		t.Fatalf("setting not saved: %v %q", p.Bool(prefSigV4Enabled), p.String(prefSigV4Keys))
	}

	// A second window on the same preferences (the next start) applies it,
	// unless the command line brought its own --credentials.
	srv2 := listenTest(t, c)
	m2 := newMainWindow(a, c, srv2.URL(), q.do)
	t.Cleanup(m2.Window().Close)
	m2.AttachListener(srv2, true)
	if n := srv2.VerifiesSignatures(); n != 0 {
		t.Fatalf("saved setting overrode the command line: %d keys", n)
	}
	m2.AttachListener(srv2, false)
	if code := listQueues(t, srv2, "AKIAGUITEST", "gui-secret"); code != "" || srv2.VerifiesSignatures() != 2 {
		t.Fatalf("saved setting at the next start: %q, %d keys", code, srv2.VerifiesSignatures())
	}

	menuItem(t, m.Window().MainMenu(), "Settings", "Signature verification…").Action()
	if !m.settings.enabled.Checked || !strings.Contains(m.settings.state.Text, "2 access keys") {
		t.Fatalf("dialog reopened with %v %q", m.settings.enabled.Checked, m.settings.state.Text)
	}
	test.Tap(m.settings.enabled)
	test.Tap(overlayButton(t, m, "Apply"))
	if code := listQueues(t, srv, "anything", "at-all"); code != "" || srv.VerifiesSignatures() != 0 {
		t.Fatalf("after turning it off: %q, %d keys", code, srv.VerifiesSignatures())
	}
	if p.Bool(prefSigV4Enabled) {
		t.Fatal("off not saved")
	}
}

// A credentials file path works like serve --credentials; a path that does
// not open or a setting without keys is refused with an error dialog and
// changes nothing.
func TestSettingsCredentialsFile(t *testing.T) {
	a, c, m, q := newTestWindow(t)
	waitApplied(t, m, q, 0)
	srv := listenTest(t, c)
	m.AttachListener(srv, false)
	file := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	menuItem(t, m.Window().MainMenu(), "Settings", "Signature verification…").Action()
	test.Tap(m.settings.enabled)
	test.Type(m.settings.file, filepath.Join(t.TempDir(), "missing"))
	test.Tap(overlayButton(t, m, "Apply"))
	if srv.VerifiesSignatures() != 0 || a.Preferences().Bool(prefSigV4Enabled) {
		t.Fatal("a missing file changed the setting")
	}
	if top := m.Window().Canvas().Overlays().Top(); top == nil {
		t.Fatal("no error dialog for a missing file")
	}
	test.Tap(overlayButton(t, m, "OK"))

	menuItem(t, m.Window().MainMenu(), "Settings", "Signature verification…").Action()
	test.Tap(m.settings.enabled)
	test.Tap(overlayButton(t, m, "Apply")) // on, but no file and no keys
	if srv.VerifiesSignatures() != 0 || a.Preferences().Bool(prefSigV4Enabled) {
		t.Fatal("a setting without keys turned verification on")
	}
	test.Tap(overlayButton(t, m, "OK"))

	menuItem(t, m.Window().MainMenu(), "Settings", "Signature verification…").Action()
	test.Tap(m.settings.enabled)
	test.Type(m.settings.file, file)
	test.Tap(overlayButton(t, m, "Apply"))
	if code := listQueues(t, srv, "AKIAFROMFILE", "file-secret"); code != "" {
		t.Fatalf("key from the file refused: %s", code)
	}
	if code := listQueues(t, srv, "AKIAOTHER", "file-secret"); code != "InvalidClientTokenId" {
		t.Fatalf("other key: %q", code)
	}
	if a.Preferences().String(prefSigV4File) != file {
		t.Fatalf("file not saved: %q", a.Preferences().String(prefSigV4File))
	}
}

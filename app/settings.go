package app

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/wire"
)

// Preference keys of the signature setting (the GUI's counterpart of
// `skyport serve --credentials FILE`).
const (
	prefSigV4Enabled = "sigv4.enabled" // bool: verify every request's SigV4 signature
	prefSigV4File    = "sigv4.file"    // string: credentials file (serve --credentials format)
	prefSigV4Keys    = "sigv4.keys"    // string: "ACCESS_KEY_ID SECRET" lines typed in the dialog
)

// credentialTarget is the listener whose access keys the setting replaces
// (a *wire.Server).
type credentialTarget interface {
	SetCredentials(wire.Credentials)
	VerifiesSignatures() int
}

// sigV4Setting is the saved signature setting: off, or the access keys of a
// credentials file and/or typed pairs, merged.
type sigV4Setting struct {
	enabled bool
	file    string
	keys    string
}

func loadSigV4Setting(p fyne.Preferences) sigV4Setting {
	return sigV4Setting{enabled: p.Bool(prefSigV4Enabled), file: p.String(prefSigV4File), keys: p.String(prefSigV4Keys)}
}

func (s sigV4Setting) save(p fyne.Preferences) {
	p.SetBool(prefSigV4Enabled, s.enabled)
	p.SetString(prefSigV4File, s.file)
	p.SetString(prefSigV4Keys, s.keys)
}

// errNoKeys is the answer to verification turned on without a key.
var errNoKeys = errors.New("signature verification needs at least one access key: choose a credentials file or enter ACCESS_KEY_ID SECRET pairs")

// credentials resolves the setting: nil when it is off, else the pairs of
// the file and the typed ones (the typed win on the same access key id).
func (s sigV4Setting) credentials() (wire.Credentials, error) {
	if !s.enabled {
		return nil, nil
	}
	creds := wire.Credentials{}
	if f := strings.TrimSpace(s.file); f != "" {
		fromFile, err := wire.LoadCredentials(f)
		if err != nil {
			return nil, err
		}
		for k, v := range fromFile {
			creds[k] = v
		}
	}
	if strings.TrimSpace(s.keys) != "" {
		typed, err := wire.ParseCredentials(strings.NewReader(s.keys))
		if err != nil {
			return nil, fmt.Errorf("access keys: %w", err)
		}
		for k, v := range typed {
			creds[k] = v
		}
	}
	if len(creds) == 0 {
		return nil, errNoKeys
	}
	return creds, nil
}

// AttachListener lets the settings dialog change the access keys srv
// verifies. The saved setting is applied at once when it is on, unless
// the command line gave --credentials (fromCommandLine), which then stays
// in force until the user applies a setting in the dialog.
func (m *MainWindow) AttachListener(srv credentialTarget, fromCommandLine bool) {
	m.listener = srv
	st := loadSigV4Setting(m.app.Preferences())
	if !st.enabled || fromCommandLine {
		return
	}
	creds, err := st.credentials()
	if err != nil {
		m.core.Emit(event.Event{Level: event.Warn, Service: "wire",
			Message: "saved signature setting not applied, signatures are not checked: " + err.Error()})
		return
	}
	srv.SetCredentials(creds)
}

// settingsForm is the content of the signature settings dialog.
type settingsForm struct {
	enabled *widget.Check
	file    *widget.Entry
	browse  *widget.Button
	keys    *widget.Entry
	state   *widget.Label
	content fyne.CanvasObject
}

func newSettingsForm(st sigV4Setting, verifying int, attached bool, browse func()) *settingsForm {
	f := &settingsForm{
		enabled: widget.NewCheck("Require AWS Signature Version 4 on every request", nil),
		file:    widget.NewEntry(),
		keys:    widget.NewMultiLineEntry(),
		state:   widget.NewLabel(""),
	}
	f.enabled.SetChecked(st.enabled)
	f.file.SetPlaceHolder("/path/to/credentials")
	f.file.SetText(st.file)
	f.browse = widget.NewButton("Browse…", browse)
	f.keys.SetPlaceHolder("AKIAEXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	f.keys.SetText(st.keys)
	f.keys.SetMinRowsVisible(3)
	switch {
	case !attached:
		f.state.SetText("No listener is running: the setting is saved for the next start.")
	case verifying > 0:
		f.state.SetText(fmt.Sprintf("Now: signatures are checked against %d access keys.", verifying))
	default:
		f.state.SetText("Now: signatures are not checked (any credentials are accepted).")
	}
	f.state.Wrapping = fyne.TextWrapWord
	hint := widget.NewLabel("Typed keys are stored unencrypted in Skyport's preferences: use local test keys.")
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	f.content = container.NewVBox(
		f.enabled,
		widget.NewLabel("Credentials file (ACCESS_KEY_ID SECRET lines, or an AWS shared credentials file)"),
		container.NewBorder(nil, nil, nil, f.browse, f.file),
		widget.NewLabel("Access keys (one ACCESS_KEY_ID SECRET pair a line)"),
		f.keys,
		hint,
		f.state,
	)
	return f
}

func (f *settingsForm) setting() sigV4Setting {
	return sigV4Setting{enabled: f.enabled.Checked, file: strings.TrimSpace(f.file.Text), keys: f.keys.Text}
}

// showSettings opens the signature settings dialog.
func (m *MainWindow) showSettings() {
	var form *settingsForm
	browse := func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			r.Close()
			form.file.SetText(r.URI().Path())
		}, m.win)
		d.Show()
	}
	verifying := 0
	if m.listener != nil {
		verifying = m.listener.VerifiesSignatures()
	}
	form = newSettingsForm(loadSigV4Setting(m.app.Preferences()), verifying, m.listener != nil, browse)
	d := dialog.NewCustomConfirm("Signature verification", "Apply", "Cancel", form.content, func(ok bool) {
		if ok {
			if err := m.applySigV4(form.setting()); err != nil {
				dialog.ShowError(err, m.win)
			}
		}
	}, m.win)
	d.Resize(fyne.NewSize(560, d.MinSize().Height))
	m.settings = form
	d.Show()
}

// applySigV4 checks st, applies it to the listener and saves it; a setting
// that does not resolve (unreadable file, malformed pairs, no key) changes
// nothing.
func (m *MainWindow) applySigV4(st sigV4Setting) error {
	creds, err := st.credentials()
	if err != nil {
		return fmt.Errorf("%w (the setting was not changed)", err)
	}
	st.save(m.app.Preferences())
	if m.listener != nil {
		m.listener.SetCredentials(creds)
	}
	return nil
}

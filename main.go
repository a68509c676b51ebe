// Command skyport is a local serverless cloud on one port — SQS, SNS,
// Kinesis, API Gateway, Step Functions and functions — with a desktop GUI.
//
//	skyport            open the desktop app
//	skyport serve      run the core headless
//	skyport version    print the version
package main

import (
	"os"

	_ "github.com/skyport-dev/skyport/internal/plainlocale" // before Fyne reads the locale

	"github.com/skyport-dev/skyport/app"
	"github.com/skyport-dev/skyport/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, GUI: app.Run}))
}

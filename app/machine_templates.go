package app

// machineTemplate is a ready-made state machine the editor can start from.
type machineTemplate struct {
	name, asl string
}

// machineTemplates are offered in the editor's Templates menu.
var machineTemplates = []machineTemplate{
	{"Hello world", `{
  "Comment": "Hello world",
  "StartAt": "Hello",
  "States": {
    "Hello": {"Type": "Pass", "Result": {"greeting": "Hello"}, "ResultPath": "$.hello", "Next": "World"},
    "World": {"Type": "Pass", "Result": "World", "ResultPath": "$.world", "End": true}
  }
}`},
	{"Parallel fan-out", `{
  "Comment": "Fan out to two branches and join their results",
  "StartAt": "FanOut",
  "States": {
    "FanOut": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Result": "left", "End": true}}},
        {"StartAt": "Right", "States": {
          "Right": {"Type": "Wait", "Seconds": 1, "Next": "RightDone"},
          "RightDone": {"Type": "Pass", "Result": "right", "End": true}}}
      ],
      "Next": "Join"
    },
    "Join": {"Type": "Succeed"}
  }
}`},
	{"Map over items", `{
  "Comment": "Process every item of $.items",
  "StartAt": "EachItem",
  "States": {
    "EachItem": {
      "Type": "Map",
      "ItemsPath": "$.items",
      "MaxConcurrency": 4,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Process",
        "States": {"Process": {"Type": "Pass", "End": true}}
      },
      "ResultPath": "$.results",
      "Next": "Done"
    },
    "Done": {"Type": "Succeed"}
  }
}`},
	{"Retry with DLQ", `{
  "Comment": "Call a function with retries; send what still fails to a dead-letter queue",
  "StartAt": "Call",
  "States": {
    "Call": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "my-function", "Payload.$": "$"},
      "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2, "JitterStrategy": "FULL"}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ToDLQ"}],
      "Next": "Done"
    },
    "ToDLQ": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage",
      "Parameters": {"QueueUrl": "http://127.0.0.1:4566/000000000000/dlq", "MessageBody.$": "States.JsonToString($)"},
      "Next": "Failed"
    },
    "Failed": {"Type": "Fail", "Error": "CallFailed", "Cause": "sent to the dead-letter queue"},
    "Done": {"Type": "Succeed"}
  }
}`},
	{"Human approval", `{
  "Comment": "Wait for a person to approve with the task token (SendTaskSuccess / SendTaskFailure)",
  "StartAt": "AskApproval",
  "States": {
    "AskApproval": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters": {"QueueUrl": "http://127.0.0.1:4566/000000000000/approvals", "MessageBody": {"request.$": "$", "token.$": "$$.Task.Token"}},
      "TimeoutSeconds": 86400,
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rejected"}],
      "Next": "Approved?"
    },
    "Approved?": {
      "Type": "Choice",
      "Choices": [{"Variable": "$.approved", "BooleanEquals": true, "Next": "Approved"}],
      "Default": "Rejected"
    },
    "Approved": {"Type": "Succeed"},
    "Rejected": {"Type": "Fail", "Error": "Rejected"}
  }
}`},
}

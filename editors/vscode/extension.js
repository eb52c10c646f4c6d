// The Omnis extension: starts `omnis lsp` (the `omnis.path` setting, else
// `omnis` on the PATH) for `.omni` files. Highlighting comes from the
// TextMate grammar; everything else from the server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("omnis").get("path") || "omnis";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "omnis",
    "Omnis",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "omnis" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.omni,omnis.toml}"),
      },
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

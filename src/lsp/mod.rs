//! `omnis lsp`: a language server over standard input and output, on
//! rust-analyzer's `lsp-server` (the message loop) and `lsp-types`.
//!
//! One thread serves every message in order. Once the typing pauses
//! ([`DEBOUNCE`]), or at once when a request needs it, each edited file is
//! checked with its imports and its diagnostics published; then its
//! project is checked on a thread of its own, and what that check found
//! in every file is published when it ends ([`workspace`]). Requests read
//! the checks already made (the driver's diagnostics and the program's
//! symbol index, for navigation, hover, completion and rename): the
//! edited file's own, else the project's; those that need every file
//! (references, rename, code actions) wait for the project's check.
//!
//! Files:
//! - [`text`]: byte offsets to the protocol's UTF-16 positions and back;
//! - [`workspace`]: open documents and projects, checked over the buffers;
//! - [`diagnostics`]: diagnostics in the protocol's form;
//! - [`navigation`]: definition, references, highlights, rename;
//! - [`hover`], [`completion`], [`actions`] (code actions, formatting);
//! - [`outline`]: document symbols, semantic tokens, folding ranges.
//!
//! Bad input gets an error response: an unknown method, parameters that do
//! not fit, a position past the end of a line, a file that is not UTF-8.
//! A panic while answering a request is caught: the request gets an
//! internal error, the panic is logged to the client, the server carries
//! on with every project re-checked.

pub mod actions;
pub mod completion;
pub mod diagnostics;
pub mod hover;
pub mod navigation;
pub mod outline;
pub mod text;
pub mod workspace;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{InitializeParams, LogMessageParams, MessageType, TextDocumentPositionParams, Url};

use self::text::Lines;
use self::workspace::{canonical, Checked, Document, Workspace};
use crate::source::FileId;

/// How long typing must pause before a project is checked again.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// A request that failed: its error code and message.
#[derive(Debug)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
}

pub type Reply<T> = Result<T, Failure>;

pub fn invalid(message: impl Into<String>) -> Failure {
    Failure {
        code: ErrorCode::InvalidParams,
        message: message.into(),
    }
}

/// Serves the protocol on standard input and output until the client
/// exits; returns the exit code.
pub fn run_stdio() -> i32 {
    let (connection, threads) = Connection::stdio();
    let result = serve(&connection);
    drop(connection);
    let joined = threads.join();
    match (result, joined) {
        (Ok(()), Ok(())) => 0,
        (Err(e), _) => {
            eprintln!("error: omnis lsp: {e}");
            2
        }
        (_, Err(e)) => {
            eprintln!("error: omnis lsp: {e}");
            2
        }
    }
}

/// The protocol, from `initialize` to `exit`, over a connection.
pub fn serve(connection: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    let caps = serde_json::to_value(outline::capabilities())?;
    let params: InitializeParams = serde_json::from_value(connection.initialize(caps)?)?;
    let mut server = Server {
        ws: Workspace::new(workspace_folder(&params)),
        connection,
        deadline: None,
        allow_crash: std::env::var_os("OMNIS_LSP_TEST_CRASH").is_some(),
    };
    loop {
        let timer = match server.deadline {
            Some(at) => crossbeam_channel::at(at),
            None => crossbeam_channel::never(),
        };
        let done = server.ws.done.clone();
        crossbeam_channel::select! {
            recv(connection.receiver) -> message => {
                let Ok(message) = message else { return Ok(()) };
                match message {
                    Message::Request(r) => {
                        if connection.handle_shutdown(&r)? {
                            return Ok(());
                        }
                        server.request(r)?;
                    }
                    Message::Notification(n) if n.method == note::Exit::METHOD => return Ok(()),
                    Message::Notification(n) => server.notification(n)?,
                    Message::Response(_) => {}
                }
            }
            recv(done) -> finished => {
                if let Ok(finished) = finished {
                    server.ws.finish(finished);
                    server.publish()?;
                }
            }
            recv(timer) -> _ => server.flush()?,
        }
    }
}

fn workspace_folder(params: &InitializeParams) -> Option<PathBuf> {
    let url = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| &f.uri);
    #[allow(deprecated)]
    let url = url.or(params.root_uri.as_ref())?;
    canonical(url).ok()
}

type Outcome = Result<(), Box<dyn std::error::Error>>;

struct Server<'c> {
    ws: Workspace,
    connection: &'c Connection,
    /// When the pending check is due, after the last edit.
    deadline: Option<Instant>,
    /// Whether `omnis/crash` panics (for the tests of panic recovery).
    allow_crash: bool,
}

impl Server<'_> {
    fn send(&self, m: Message) -> Outcome {
        self.connection.sender.send(m)?;
        Ok(())
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) -> Outcome {
        self.send(Notification::new(N::METHOD.to_string(), params).into())
    }

    /// Checks each edited document with its imports and publishes what
    /// it found, then starts the checks of their projects.
    fn flush(&mut self) -> Outcome {
        self.deadline = None;
        for path in self.ws.check_edited() {
            if let Some(params) = diagnostics::for_edited(&self.ws, &path) {
                let root = self.ws.root_of(&path);
                if let Some(p) = self.ws.projects.get_mut(&root) {
                    if params.diagnostics.is_empty() {
                        p.published.remove(&path);
                    } else {
                        p.published.insert(path, params.diagnostics.clone());
                    }
                }
                self.notify::<note::PublishDiagnostics>(params)?;
            }
        }
        self.ws.start_checks();
        self.publish()
    }

    /// Publishes what the project checks that saw every change found,
    /// and logs why checks failed.
    fn publish(&mut self) -> Outcome {
        for e in std::mem::take(&mut self.ws.errors) {
            self.log(MessageType::ERROR, format!("omnis lsp: {e}"))?;
        }
        let roots: Vec<PathBuf> = (self.ws.projects.iter())
            .filter(|(_, p)| p.unpublished)
            .map(|(r, _)| r.clone())
            .collect();
        for root in roots {
            let (params, published) = diagnostics::for_project(&self.ws, &root);
            if let Some(p) = self.ws.projects.get_mut(&root) {
                p.published = published;
                p.unpublished = false;
            }
            for p in params {
                self.notify::<note::PublishDiagnostics>(p)?;
            }
        }
        Ok(())
    }

    fn notification(&mut self, n: Notification) -> Outcome {
        let result = match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => parse::<note::DidOpenTextDocument>(n.params)
                .and_then(|p| {
                    let d = p.text_document;
                    self.edit(&d.uri, d.text, d.version)
                }),
            note::DidChangeTextDocument::METHOD => {
                parse::<note::DidChangeTextDocument>(n.params).and_then(|p| {
                    // Full synchronization: the last change is the text.
                    match p.content_changes.into_iter().last() {
                        Some(c) if c.range.is_none() => {
                            self.edit(&p.text_document.uri, c.text, p.text_document.version)
                        }
                        Some(_) => Err(invalid("omnis lsp synchronizes whole documents")),
                        None => Ok(()),
                    }
                })
            }
            note::DidCloseTextDocument::METHOD => parse::<note::DidCloseTextDocument>(n.params)
                .and_then(|p| {
                    let path = canonical(&p.text_document.uri).map_err(invalid)?;
                    self.ws.close(&path);
                    self.deadline
                        .get_or_insert_with(|| Instant::now() + DEBOUNCE);
                    Ok(())
                }),
            note::DidChangeWatchedFiles::METHOD => parse::<note::DidChangeWatchedFiles>(n.params)
                .map(|p| {
                    for c in p.changes {
                        if let Ok(path) = canonical(&c.uri) {
                            self.ws.changed_on_disk(&path);
                        }
                    }
                    self.deadline = Some(Instant::now() + DEBOUNCE);
                }),
            _ => Ok(()),
        };
        match result {
            Ok(()) => Ok(()),
            Err(f) => self.log(MessageType::WARNING, format!("{}: {}", n.method, f.message)),
        }
    }

    fn edit(&mut self, url: &Url, text: String, version: i32) -> Reply<()> {
        let path = canonical(url).map_err(invalid)?;
        let doc = Document {
            url: url.clone(),
            text,
            version,
        };
        self.ws.set(path, doc);
        self.deadline = Some(Instant::now() + DEBOUNCE);
        Ok(())
    }

    fn log(&self, typ: MessageType, message: String) -> Outcome {
        self.notify::<note::LogMessage>(LogMessageParams { typ, message })
    }

    fn request(&mut self, r: Request) -> Outcome {
        // Answers reflect every edit received so far.
        if self.deadline.is_some() {
            self.flush()?;
        }
        let id = r.id.clone();
        let method = r.method.clone();
        let allow_crash = self.allow_crash;
        let ws = &mut self.ws;
        let answer = catch_unwind(AssertUnwindSafe(|| dispatch(ws, r, allow_crash)));
        let response = match answer {
            Ok(Some(Ok(value))) => Response::new_ok(id, value),
            Ok(Some(Err(f))) => Response::new_err(id, f.code as i32, f.message),
            Ok(None) => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("omnis lsp does not handle `{method}`"),
            ),
            Err(panic) => {
                let what = panic_message(&panic);
                // Whatever the request was doing is suspect: check again.
                self.ws.forget();
                self.deadline = Some(Instant::now());
                self.log(
                    MessageType::ERROR,
                    format!("omnis lsp: `{method}` failed: {what}; this is a bug in omnis, please report it"),
                )?;
                internal_error(id, &method, &what)
            }
        };
        self.send(response.into())?;
        self.publish()
    }
}

fn internal_error(id: RequestId, method: &str, what: &str) -> Response {
    Response::new_err(
        id,
        ErrorCode::InternalError as i32,
        format!("omnis lsp failed on `{method}`: {what}"),
    )
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_string()
    }
}

fn parse<N: lsp_types::notification::Notification>(v: serde_json::Value) -> Reply<N::Params> {
    serde_json::from_value(v).map_err(|e| invalid(format!("bad parameters: {e}")))
}

/// Answers one request; `None` for a method the server does not know.
fn dispatch(ws: &mut Workspace, r: Request, allow_crash: bool) -> Option<Reply<serde_json::Value>> {
    fn run<R: req::Request>(
        ws: &mut Workspace,
        params: serde_json::Value,
        f: fn(&mut Workspace, R::Params) -> Reply<R::Result>,
    ) -> Reply<serde_json::Value> {
        let params = serde_json::from_value(params)
            .map_err(|e| invalid(format!("bad parameters for `{}`: {e}", R::METHOD)))?;
        let result = f(ws, params)?;
        serde_json::to_value(result).map_err(|e| Failure {
            code: ErrorCode::InternalError,
            message: e.to_string(),
        })
    }
    let p = r.params;
    Some(match r.method.as_str() {
        req::GotoDefinition::METHOD => run::<req::GotoDefinition>(ws, p, navigation::definition),
        req::References::METHOD => run::<req::References>(ws, p, navigation::references),
        req::DocumentHighlightRequest::METHOD => {
            run::<req::DocumentHighlightRequest>(ws, p, navigation::highlights)
        }
        req::PrepareRenameRequest::METHOD => {
            run::<req::PrepareRenameRequest>(ws, p, navigation::prepare_rename)
        }
        req::Rename::METHOD => run::<req::Rename>(ws, p, navigation::rename),
        req::HoverRequest::METHOD => run::<req::HoverRequest>(ws, p, hover::hover),
        req::Completion::METHOD => run::<req::Completion>(ws, p, completion::completion),
        req::Formatting::METHOD => run::<req::Formatting>(ws, p, actions::formatting),
        req::CodeActionRequest::METHOD => {
            run::<req::CodeActionRequest>(ws, p, actions::code_actions)
        }
        req::DocumentSymbolRequest::METHOD => {
            run::<req::DocumentSymbolRequest>(ws, p, outline::symbols)
        }
        req::SemanticTokensFullRequest::METHOD => {
            run::<req::SemanticTokensFullRequest>(ws, p, outline::semantic_tokens)
        }
        req::FoldingRangeRequest::METHOD => {
            run::<req::FoldingRangeRequest>(ws, p, outline::folding)
        }
        "omnis/crash" if allow_crash => panic!("omnis/crash was asked to panic"),
        _ => return None,
    })
}

/// A document's check, its file and its lines, for a request about it.
pub struct Doc<'w> {
    pub ws: &'w Workspace,
    /// The document's check: with its imports alone when it was edited
    /// since its project's check started, else the project's.
    pub checked: &'w Checked,
    pub file: FileId,
    pub lines: Lines<'w>,
}

impl<'w> Doc<'w> {
    pub fn text(&self) -> &'w str {
        self.lines.text()
    }

    /// The byte offset of a position, or an error past the end.
    pub fn offset(&self, pos: lsp_types::Position) -> Reply<usize> {
        self.lines.offset(pos).ok_or_else(|| {
            invalid(format!(
                "position {}:{} is past the end of the line or of the document",
                pos.line, pos.character
            ))
        })
    }
}

/// The document at `url`, checked: an error when it is not a checked
/// `.omni` file of a project, or not UTF-8.
pub fn document<'w>(ws: &'w mut Workspace, url: &Url) -> Reply<Doc<'w>> {
    let path = canonical(url).map_err(invalid)?;
    ws.prepare(&path);
    let ws = &*ws;
    let (checked, file) = ws.lookup(&path).ok_or_else(|| {
        invalid(format!(
            "`{url}` is not a checked file: omnis checks `.omni` files inside a project"
        ))
    })?;
    let not_utf8 = checked
        .analysis
        .diagnostics
        .iter()
        .any(|d| d.file == file && d.message == crate::loader::NOT_UTF8);
    if not_utf8 {
        return Err(invalid(format!("`{url}` is not valid UTF-8")));
    }
    let text = &checked.analysis.sources.get(file).text;
    Ok(Doc {
        ws,
        checked,
        file,
        lines: Lines::new(text),
    })
}

/// Waits for the check of the project holding `url` to see every edit,
/// for a request that needs every file (references, rename, code
/// actions): [`document`] then reads that check.
pub fn settled(ws: &mut Workspace, url: &Url) -> Reply<()> {
    let path = canonical(url).map_err(invalid)?;
    let root = ws.root_of(&path);
    ws.settle(&root);
    Ok(())
}

/// The document and byte offset of a position.
pub fn at<'w>(ws: &'w mut Workspace, p: &TextDocumentPositionParams) -> Reply<(Doc<'w>, usize)> {
    let doc = document(ws, &p.text_document.uri)?;
    let offset = doc.offset(p.position)?;
    Ok((doc, offset))
}

//! Instruction counts of the benchmarked work, for `benches/icount.sh`:
//! one workload per run, under `valgrind --tool=callgrind`. Unlike time on
//! a shared machine, the count of instructions a workload executes is the
//! same from run to run, so a change of a few percent can be measured.
//!
//! The workloads are those of the criterion benches, on the same inputs:
//!
//! - `simulate/NAME`: `Simulator::run` of 10,000 prepared people (seed 42)
//!   through the example campaign NAME (`benches/simulate.rs`, group
//!   `simulate`);
//! - `population/NAME`: `run_population` of 20,000 people generated and run
//!   one at a time (group `population`, with fewer people);
//! - `frontend`: load, parse and resolve 2,000 campaign files and their
//!   vocabulary (`benches/frontend.rs`, group `frontend`);
//! - `check`: the whole of `omnis check` on the same files (group `check`);
//! - `lints/long`, `lints/diamonds`: every lint on the 20,000-step campaign
//!   and on the 60 diamonds (`benches/lints.rs`, `all lints`).
//!
//! Only the measured work is counted: the driver asks callgrind to zero its
//! counters when the inputs are ready and to dump them when the work is
//! done (callgrind's client requests, which are no-ops outside valgrind).
//! `icount WORKLOAD` runs one workload; `icount list` names them all.
//! The example campaigns (and the vocabulary of the 2,000 files) are read
//! from `$ICOUNT_CAMPAIGNS`, by default this tree's `campaigns/`: to compare
//! two commits, both read the older one's.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};

use criterion::black_box;
use omnis::config::LintConfig;
use omnis::driver::{analyze, Options};
use omnis::lints::{self, LintContext};
use omnis::plan::emit::emit_all;
use omnis::simulate::{generate_people, Simulator};
use omnis::{loader, resolve};

mod common {
    pub mod corpus;
}

const WORKLOADS: [&str; 9] = [
    "simulate/cart_recovery",
    "simulate/black_friday",
    "simulate/vip_welcome",
    "population/cart_recovery",
    "population/black_friday",
    "frontend",
    "check",
    "lints/long",
    "lints/diamonds",
];

/// Callgrind's client requests (valgrind.h's `VALGRIND_DO_CLIENT_REQUEST`
/// on amd64: a special no-op sequence valgrind recognises; run natively it
/// does nothing).
mod callgrind {
    const BASE: u64 = ((b'C' as u64) << 24) | ((b'T' as u64) << 16);
    const DUMP_STATS: u64 = BASE;
    const ZERO_STATS: u64 = BASE + 1;

    #[cfg(target_arch = "x86_64")]
    fn request(code: u64) {
        let args: [u64; 6] = [code, 0, 0, 0, 0, 0];
        // SAFETY: rotating rdi by 128 bits in all leaves it unchanged and
        // `xchg rbx, rbx` does nothing; valgrind reads `args` through rax
        // and writes its answer to rdx.
        unsafe {
            std::arch::asm!(
                "rol rdi, 3",
                "rol rdi, 13",
                "rol rdi, 61",
                "rol rdi, 51",
                "xchg rbx, rbx",
                in("rax") args.as_ptr(),
                inout("rdx") 0u64 => _,
                inout("rdi") 0u64 => _,
                options(nostack),
            );
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn request(_: u64) {
        panic!("benches/icount.rs knows callgrind's client requests on x86_64 only");
    }

    /// Counting starts here.
    pub fn zero() {
        request(ZERO_STATS)
    }

    /// What was counted since [`zero`] is written out as its own part.
    pub fn dump() {
        request(DUMP_STATS)
    }
}

/// Runs `work` between zeroing and dumping the counters; what it returns
/// is dropped after the dump (freeing is not the measured work).
fn measured<R>(work: impl FnOnce() -> R) {
    // The worker pool's threads go to sleep when the setup's parallel work
    // is done; what they spin before that is not the measured work.
    std::thread::sleep(std::time::Duration::from_millis(300));
    callgrind::zero();
    let r = black_box(work());
    callgrind::dump();
    drop(r);
}

fn main() {
    let Some(workload) = std::env::args().nth(1) else {
        eprintln!("usage: icount WORKLOAD|list");
        std::process::exit(2);
    };
    let campaigns = std::env::var_os("ICOUNT_CAMPAIGNS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns"),
        PathBuf::from,
    );
    let vocabulary = || std::fs::read_to_string(campaigns.join("audience.omni")).unwrap();
    match workload.split_once('/').unwrap_or((&workload, "")) {
        ("list", "") => WORKLOADS.iter().for_each(|w| println!("{w}")),
        (group @ ("simulate" | "population"), name) => {
            let analysis = analyze(&Options {
                paths: vec![campaigns.clone()],
            })
            .expect("the example campaigns load");
            assert!(!analysis.has_errors());
            let plans = emit_all(&analysis.program, &analysis.sources);
            let plan = plans
                .iter()
                .find(|p| p.campaign == name)
                .unwrap_or_else(|| panic!("no example campaign {name}"));
            let sim = Simulator::new(plan).expect("valid plan");
            if group == "simulate" {
                let people = sim
                    .prepare(&generate_people(plan, 10_000, 42))
                    .expect("valid scenario");
                measured(|| sim.run(&people));
            } else {
                measured(|| sim.run_population(plan, 20_000, 42, &mut |_| {}));
            }
        }
        ("frontend", "") => {
            let (_dir, root, _) = common::corpus::corpus_with(2_000, &vocabulary());
            measured(|| {
                let loaded = loader::load(std::slice::from_ref(&root)).unwrap();
                let resolved = resolve::resolve(&loaded);
                (loaded, resolved)
            });
        }
        ("check", "") => {
            let (_dir, root, _) = common::corpus::corpus_with(2_000, &vocabulary());
            measured(|| analyze(&Options { paths: vec![root] }).unwrap());
        }
        ("lints", name @ ("long" | "diamonds")) => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(format!("{name}.omni"));
            let text = match name {
                "long" => common::corpus::long_campaign(),
                _ => common::corpus::diamonds(),
            };
            std::fs::write(&path, text).unwrap();
            let a = analyze(&Options { paths: vec![path] }).unwrap();
            let mut cx = LintContext::new(&a.program, &a.journeys, &a.sources, &a.roots);
            let config = LintConfig::default();
            measured(|| lints::run(&mut cx, &config));
        }
        _ => {
            eprintln!("unknown workload {workload}: `icount list` names them");
            std::process::exit(2);
        }
    }
}

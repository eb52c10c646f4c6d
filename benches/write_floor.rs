//! The floor of `omnis build`'s writing (issue 9, 16c): 2,000 files of
//! the sizes of a build's plans created in one folder on two threads (the
//! worker pool of a 2-core machine) with nothing else to do, by the
//! syscalls a build could use, then made durable. What no build can go
//! below on this file system; `benches/build.sh` measures the build.
//!
//!   cargo bench --bench write_floor                  # 2,000 x 4,280 bytes
//!   FLOOR_SIZES=DIR cargo bench --bench write_floor  # the sizes of DIR/*.plan.json
//!   FLOOR_DIR=DIR FLOOR_ROUNDS=9 ...                 # where (default: a temporary
//!                                                    # folder in TMPDIR), how often
//!
//! Ways to create (each file's bytes written in one `write`):
//! - `tmpfile`: a file without a name (`O_TMPFILE`), linked under its name
//!   once written (`linkat`), closed at once: what `omnis build` does;
//! - `tmpfile, kept open`: the same, every file kept open until the sync;
//! - `rename`: a hidden file with a random name (`O_CREAT|O_EXCL`),
//!   renamed over its name;
//! - `direct`: created under its name (`O_CREAT|O_EXCL`): not atomic (a
//!   reader may see a half-written plan), the cheapest creation.
//!
//! Ways to sync: `syncfs` once (what a build of 32 files or more does);
//! `fsync` each (writeback of all started first with `sync_file_range`,
//! then each synced, on two threads), then the folder.
//!
//! Each round writes into a folder of its own, and none is deleted before
//! the end (see `benches/build.sh` on ext4 and freed inodes). Printed: the
//! median wall time of creating and of syncing, and the median user and
//! system CPU time of the whole (on every thread).

#[cfg(target_os = "linux")]
mod floor {
    use std::ffi::CString;
    use std::fs::File;
    use std::io::Write;
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    #[derive(Clone, Copy, PartialEq)]
    enum Create {
        TmpFile,
        TmpFileKeptOpen,
        Rename,
        Direct,
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Sync {
        SyncFs,
        EachFile,
    }

    const THREADS: usize = 2;

    fn c(p: &Path) -> CString {
        CString::new(p.as_os_str().as_bytes()).unwrap()
    }

    fn check(r: libc::c_int, what: &str) -> libc::c_int {
        if r < 0 {
            panic!("{what}: {}", std::io::Error::last_os_error());
        }
        r
    }

    /// Creates and writes file `i` in `dir`; the file, when kept open.
    fn create(how: Create, dir: &Path, name: &str, bytes: &[u8], i: usize) -> Option<File> {
        let path = dir.join(name);
        let mut f = match how {
            Create::TmpFile | Create::TmpFileKeptOpen => {
                let fd = unsafe {
                    libc::open(
                        c(dir).as_ptr(),
                        libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC,
                        0o666,
                    )
                };
                unsafe { File::from_raw_fd(check(fd, "O_TMPFILE")) }
            }
            Create::Rename => {
                let tmp = dir.join(format!(".{name}.{:08x}{i}.omnis-tmp", std::process::id()));
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&tmp)
                    .unwrap();
                let mut f = f;
                f.write_all(bytes).unwrap();
                std::fs::rename(&tmp, &path).unwrap();
                return Some(f);
            }
            Create::Direct => std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .unwrap(),
        };
        f.write_all(bytes).unwrap();
        if matches!(how, Create::TmpFile | Create::TmpFileKeptOpen) {
            let r = unsafe {
                libc::linkat(
                    f.as_raw_fd(),
                    c"".as_ptr(),
                    libc::AT_FDCWD,
                    c(&path).as_ptr(),
                    libc::AT_EMPTY_PATH,
                )
            };
            if r != 0 {
                let from = CString::new(format!("/proc/self/fd/{}", f.as_raw_fd())).unwrap();
                check(
                    unsafe {
                        libc::linkat(
                            libc::AT_FDCWD,
                            from.as_ptr(),
                            libc::AT_FDCWD,
                            c(&path).as_ptr(),
                            libc::AT_SYMLINK_FOLLOW,
                        )
                    },
                    "linkat",
                );
            }
        }
        (how != Create::TmpFile).then_some(f)
    }

    fn cpu() -> f64 {
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
        let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        s(ru.ru_utime) + s(ru.ru_stime)
    }

    /// One round: (create wall, sync wall, CPU), in seconds.
    fn round(how: Create, sync: Sync, dir: &Path, sizes: &[usize]) -> (f64, f64, f64) {
        let bytes = vec![b'x'; sizes.iter().copied().max().unwrap_or(0)];
        let (c0, t0) = (cpu(), Instant::now());
        std::fs::create_dir(dir).unwrap();
        let kept: Vec<(PathBuf, Option<File>)> = std::thread::scope(|s| {
            let parts: Vec<_> = (0..THREADS)
                .map(|t| {
                    let bytes = &bytes;
                    s.spawn(move || {
                        (t..sizes.len())
                            .step_by(THREADS)
                            .map(|i| {
                                let name = format!("c{i:05}.plan.json");
                                let f = create(how, dir, &name, &bytes[..sizes[i]], i);
                                (dir.join(name), f)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
        });
        let t1 = Instant::now();
        match sync {
            Sync::SyncFs => {
                let d = File::open(dir).unwrap();
                check(unsafe { libc::syncfs(d.as_raw_fd()) }, "syncfs");
            }
            Sync::EachFile => {
                let files: Vec<File> = kept
                    .into_iter()
                    .map(|(p, f)| f.unwrap_or_else(|| File::open(p).unwrap()))
                    .collect();
                for f in &files {
                    unsafe {
                        libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE)
                    };
                }
                std::thread::scope(|s| {
                    for t in 0..THREADS {
                        let files = &files;
                        s.spawn(move || {
                            for f in files.iter().skip(t).step_by(THREADS) {
                                f.sync_all().unwrap();
                            }
                        });
                    }
                });
                File::open(dir).unwrap().sync_all().unwrap();
            }
        }
        let t2 = Instant::now();
        ((t1 - t0).as_secs_f64(), (t2 - t1).as_secs_f64(), cpu() - c0)
    }

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    pub fn main() {
        let sizes: Vec<usize> = match std::env::var_os("FLOOR_SIZES") {
            Some(d) => {
                let mut s: Vec<(std::ffi::OsString, usize)> = std::fs::read_dir(d)
                    .unwrap()
                    .map(|e| e.unwrap())
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".plan.json"))
                    .map(|e| (e.file_name(), e.metadata().unwrap().len() as usize))
                    .collect();
                s.sort();
                s.into_iter().map(|(_, n)| n).collect()
            }
            None => vec![4_280; 2_000],
        };
        let rounds: usize = std::env::var("FLOOR_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(7);
        let base = match std::env::var_os("FLOOR_DIR") {
            Some(d) => tempfile::tempdir_in(d).unwrap(),
            None => tempfile::tempdir().unwrap(),
        };
        let total: usize = sizes.iter().sum();
        println!(
            "{} files, {} bytes, {THREADS} threads, {rounds} rounds (medians)",
            sizes.len(),
            total
        );
        let ways = [
            ("tmpfile", Create::TmpFile),
            ("tmpfile, kept open", Create::TmpFileKeptOpen),
            ("rename", Create::Rename),
            ("direct (not atomic)", Create::Direct),
        ];
        let syncs = [("syncfs", Sync::SyncFs), ("fsync each", Sync::EachFile)];
        let mut n = 0;
        let mut results = vec![Vec::new(); ways.len() * syncs.len()];
        for _ in 0..rounds {
            // Interleaved, so that a change in the machine's load affects
            // every way alike.
            for (w, (_, how)) in ways.iter().enumerate() {
                for (s, (_, sync)) in syncs.iter().enumerate() {
                    n += 1;
                    let dir = base.path().join(format!("r{n}"));
                    results[w * syncs.len() + s].push(round(*how, *sync, &dir, &sizes));
                }
            }
        }
        for (w, (way, _)) in ways.iter().enumerate() {
            for (s, (sync, _)) in syncs.iter().enumerate() {
                let r = &results[w * syncs.len() + s];
                let create = median(r.iter().map(|x| x.0).collect());
                let sync_t = median(r.iter().map(|x| x.1).collect());
                let whole = median(r.iter().map(|x| x.0 + x.1).collect());
                let cpu = median(r.iter().map(|x| x.2).collect());
                println!(
                    "{way:<20} {sync:<10}  create {:6.1} ms  sync {:6.1} ms  whole {:6.1} ms  cpu {:6.1} ms",
                    create * 1e3,
                    sync_t * 1e3,
                    whole * 1e3,
                    cpu * 1e3
                );
            }
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!(
            "load average: {}",
            load.split(' ').take(3).collect::<Vec<_>>().join(" ")
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read.
    #[cfg(target_os = "linux")]
    floor::main();
    #[cfg(not(target_os = "linux"))]
    println!("write_floor: Linux only (O_TMPFILE, syncfs)");
}

//! The spill file: an append-only JSON-lines file of [`Op`]s, fsync'd after every append,
//! that holds what the database could not take and is replayed in order once it is back.
//!
//! Crash safety: an append is acknowledged only after `sync_data`; a torn last line (a crash
//! mid-append, never acknowledged) is cut off when the file is opened. The replay position
//! lives in memory only: after a crash the whole file is replayed again, which is harmless
//! because every op is idempotent (audit rows by id, session updates monotone).
//! Blocking I/O: the writer calls these from `spawn_blocking`.

use std::{
    fs::{File, OpenOptions},
    io::{self, BufRead, BufReader, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use super::Op;

/// The spill file and the replay position.
#[derive(Debug)]
pub(crate) struct Spill {
    path: PathBuf,
    max_bytes: u64,
    /// Bytes of complete lines.
    len: u64,
    /// Replay position (bytes).
    read_at: u64,
    /// Ops between `read_at` and `len`.
    pending: u64,
    file: Option<File>,
}

/// What one read of the spill file found.
pub(crate) struct Chunk {
    pub ops: Vec<Op>,
    /// Position after the chunk.
    pub end: u64,
    /// Lines consumed (ops plus unreadable lines).
    pub lines: u64,
    /// Lines that did not parse (corruption; counted as lost).
    pub corrupt: u64,
}

impl Spill {
    /// Open the spill file left by a previous run, if any, cutting a torn last line.
    pub(crate) fn open(path: &Path, max_bytes: u64) -> io::Result<Self> {
        let mut spill = Spill {
            path: path.to_owned(),
            max_bytes,
            len: 0,
            read_at: 0,
            pending: 0,
            file: None,
        };
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(spill),
            Err(e) => return Err(e),
        };
        let complete = data.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        spill.len = complete as u64;
        spill.pending = data[..complete].iter().filter(|b| **b == b'\n').count() as u64;
        if complete < data.len() {
            tracing::warn!(path = %path.display(), bytes = data.len() - complete,
                "spill file ends with a torn line (a crash mid-append); cutting it");
            let len = spill.len;
            let f = spill.handle()?;
            f.set_len(len)?;
            f.sync_all()?;
        }
        Ok(spill)
    }

    /// Ops waiting for replay.
    pub(crate) fn pending(&self) -> u64 {
        self.pending
    }

    /// Whether nothing waits for replay.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending == 0
    }

    fn handle(&mut self) -> io::Result<&mut File> {
        if self.file.is_none() {
            let mut opts = OpenOptions::new();
            opts.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let existed = self.path.exists();
            let file = opts.open(&self.path)?;
            if !existed {
                sync_parent(&self.path)?;
            }
            self.file = Some(file);
        }
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("spill file not open"))
    }

    /// Append `ops` and fsync; all or nothing.
    pub(crate) fn append(&mut self, ops: &[Op]) -> io::Result<()> {
        let mut buf = Vec::with_capacity(ops.len() * 512);
        for op in ops {
            serde_json::to_writer(&mut buf, op).map_err(io::Error::other)?;
            buf.push(b'\n');
        }
        if self.len + buf.len() as u64 > self.max_bytes {
            return Err(io::Error::other(format!(
                "spill file would exceed audit.spill_max_bytes ({} bytes)",
                self.max_bytes
            )));
        }
        let len = self.len;
        let file = self.handle()?;
        let written = file.write_all(&buf).and_then(|()| file.sync_data());
        if let Err(e) = written {
            // Cut a partial append so the file stays a sequence of complete lines.
            let _ = file.set_len(len);
            self.file = None;
            return Err(e);
        }
        self.len += buf.len() as u64;
        self.pending += ops.len() as u64;
        Ok(())
    }

    /// Read up to `max_ops` ops from the replay position.
    pub(crate) fn read_chunk(&self, max_ops: usize) -> io::Result<Chunk> {
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.read_at))?;
        let mut reader = BufReader::new(file);
        let mut chunk = Chunk {
            ops: Vec::new(),
            end: self.read_at,
            lines: 0,
            corrupt: 0,
        };
        let mut line = String::new();
        while chunk.ops.len() < max_ops && chunk.end < self.len {
            line.clear();
            let n = reader.read_line(&mut line)?;
            if n == 0 {
                break;
            }
            chunk.end += n as u64;
            chunk.lines += 1;
            match serde_json::from_str::<Op>(line.trim_end()) {
                Ok(op) => chunk.ops.push(op),
                Err(e) => {
                    tracing::error!(error = %e, offset = chunk.end - n as u64,
                        "unreadable line in the audit spill file; skipped");
                    chunk.corrupt += 1;
                }
            }
        }
        Ok(chunk)
    }

    /// Mark a chunk as stored; empties the file once everything is.
    pub(crate) fn advance(&mut self, chunk: &Chunk) -> io::Result<()> {
        self.read_at = chunk.end;
        self.pending = self.pending.saturating_sub(chunk.lines);
        if self.read_at >= self.len {
            self.clear()?;
        }
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        let file = self.handle()?;
        file.set_len(0)?;
        file.sync_all()?;
        self.len = 0;
        self.read_at = 0;
        self.pending = 0;
        Ok(())
    }
}

/// fsync the directory so a newly created file survives a crash.
fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SessionOpened;

    fn op(i: u32) -> Op {
        Op::SessionOpened(SessionOpened {
            session_hash: format!("{i:064}"),
            transport: "stdio".into(),
            subject: None,
            client_addr: None,
            instance_id: "test".into(),
            created_at: chrono::DateTime::from_timestamp_micros(
                1_700_000_000_000_000 + i64::from(i),
            )
            .expect("valid time"),
        })
    }

    #[test]
    fn appended_ops_replay_in_order_and_the_file_empties() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.spill");
        let mut spill = Spill::open(&path, 1 << 20).expect("open");
        spill.append(&[op(1), op(2)]).expect("append");
        spill.append(&[op(3)]).expect("append");
        assert_eq!(spill.pending(), 3);
        let first = spill.read_chunk(2).expect("read");
        assert_eq!(first.ops, vec![op(1), op(2)]);
        spill.advance(&first).expect("advance");
        let rest = spill.read_chunk(10).expect("read");
        assert_eq!(rest.ops, vec![op(3)]);
        spill.advance(&rest).expect("advance");
        assert!(spill.is_empty());
        assert_eq!(std::fs::metadata(&path).expect("file").len(), 0);
    }

    #[test]
    fn a_torn_last_line_is_cut_and_complete_lines_survive_a_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.spill");
        Spill::open(&path, 1 << 20)
            .expect("open")
            .append(&[op(1), op(2)])
            .expect("append");
        let mut f = OpenOptions::new().append(true).open(&path).expect("raw");
        f.write_all(b"{\"op\":\"sessi").expect("torn write");
        let spill = Spill::open(&path, 1 << 20).expect("reopen");
        assert_eq!(spill.pending(), 2);
        assert_eq!(spill.read_chunk(10).expect("read").ops, vec![op(1), op(2)]);
    }

    #[test]
    fn an_append_past_the_size_limit_fails_and_leaves_the_file_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.spill");
        let mut spill = Spill::open(&path, 4096).expect("open");
        let many: Vec<Op> = (0..100).map(op).collect();
        assert!(spill.append(&many).is_err());
        assert!(spill.is_empty());
    }
}

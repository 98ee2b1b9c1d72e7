//! Reading stdin: newline-delimited JSON-RPC, as the MCP stdio transport specifies, plus the
//! recognition of what a misconfigured client sends instead, so that each of its messages gets
//! one clear error rather than a string of parse errors or a dead session.
//!
//! Built on tokio-util's [`LinesCodec`] (line splitting, the length limit and its discard
//! mode); this decoder only adds the states for `Content-Length` framing (LSP style), whose
//! headers and unterminated bodies would otherwise come out as several unrelated lines.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, LinesCodec, LinesCodecError};

/// One unit read from stdin.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// One line (without its line break).
    Line(String),
    /// A line longer than the limit; it was discarded.
    TooLong,
    /// A line that is not UTF-8; it was discarded.
    NotUtf8,
    /// A message framed with `Content-Length` headers: its body, cut at the line limit, or
    /// `None` when the headers named no usable length.
    ContentLength(Option<Vec<u8>>),
}

#[derive(Debug)]
enum State {
    Lines,
    /// Inside a header block; the `Content-Length` seen so far.
    Headers(Option<usize>),
    /// Reading a framed body: bytes still to read, bytes kept.
    Body(usize, Vec<u8>),
}

/// The stdin decoder.
#[derive(Debug)]
pub struct StdioCodec {
    lines: LinesCodec,
    state: State,
    max: usize,
}

impl StdioCodec {
    /// A decoder whose lines (and kept framed bodies) are at most `max` bytes.
    pub fn new(max: usize) -> Self {
        Self {
            lines: LinesCodec::new_with_max_length(max),
            state: State::Lines,
            max,
        }
    }

    /// The next line from the line codec, mapping its recoverable errors into frames. The
    /// codec has consumed the offending bytes by then, so reading can go on (an `Err` here
    /// would end the whole stream).
    fn next_line(
        &mut self,
        buf: &mut BytesMut,
        eof: bool,
    ) -> Result<Option<Result<String, Frame>>, LinesCodecError> {
        let next = if eof {
            self.lines.decode_eof(buf)
        } else {
            self.lines.decode(buf)
        };
        match next {
            Ok(line) => Ok(line.map(Ok)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Err(Frame::TooLong))),
            Err(LinesCodecError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                Ok(Some(Err(Frame::NotUtf8)))
            }
            Err(e) => Err(e),
        }
    }

    fn step(&mut self, buf: &mut BytesMut, eof: bool) -> Result<Option<Frame>, LinesCodecError> {
        loop {
            if let State::Body(remaining, kept) = &mut self.state {
                let n = (*remaining).min(buf.len());
                let chunk = buf.split_to(n);
                let room = self.max.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
                *remaining -= n;
                if *remaining > 0 && !eof {
                    return Ok(None);
                }
                let body = std::mem::take(kept);
                self.state = State::Lines;
                return Ok(Some(Frame::ContentLength(Some(body))));
            }
            let line = match self.next_line(buf, eof)? {
                None => return Ok(None),
                Some(Err(frame)) => return Ok(Some(frame)),
                Some(Ok(line)) => line,
            };
            self.state = match std::mem::replace(&mut self.state, State::Lines) {
                State::Lines => match content_length(&line) {
                    Some(length) => State::Headers(length),
                    None => return Ok(Some(Frame::Line(line))),
                },
                State::Headers(length) if line.trim().is_empty() => match length {
                    Some(n) => State::Body(n, Vec::new()),
                    None => return Ok(Some(Frame::ContentLength(None))),
                },
                State::Headers(length) => State::Headers(content_length(&line).unwrap_or(length)),
                // Not reached: a body is read before any further line (above).
                body @ State::Body(..) => body,
            };
        }
    }
}

/// `Some(length)` when `line` is a `Content-Length` header (`Some(None)` if its value is not
/// a number).
fn content_length(line: &str) -> Option<Option<usize>> {
    let (name, value) = line.split_once(':')?;
    name.trim()
        .eq_ignore_ascii_case("content-length")
        .then(|| value.trim().parse().ok())
}

impl Decoder for StdioCodec {
    type Item = Frame;
    type Error = LinesCodecError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, LinesCodecError> {
        self.step(buf, false)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, LinesCodecError> {
        match self.step(buf, true)? {
            Some(frame) => Ok(Some(frame)),
            // Headers cut off by the end of input: still one message to answer.
            None if matches!(self.state, State::Headers(_)) => {
                self.state = State::Lines;
                Ok(Some(Frame::ContentLength(None)))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8], max: usize) -> Vec<Frame> {
        let mut codec = StdioCodec::new(max);
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(f) = codec.decode(&mut buf).expect("decodes") {
            out.push(f);
        }
        while let Some(f) = codec.decode_eof(&mut buf).expect("decodes") {
            out.push(f);
        }
        out
    }

    #[test]
    fn newline_delimited_messages_come_out_one_per_line() {
        assert_eq!(
            frames(b"{\"a\":1}\r\n{\"b\":2}\n{\"c\":3}", 100),
            [
                Frame::Line("{\"a\":1}".into()),
                Frame::Line("{\"b\":2}".into()),
                Frame::Line("{\"c\":3}".into()),
            ]
        );
    }

    #[test]
    fn content_length_messages_are_one_frame_each_with_their_body() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#;
        let mut input = Vec::new();
        for _ in 0..2 {
            input.extend_from_slice(
                format!(
                    "Content-Length: {}\r\nContent-Type: application/json\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            );
            input.extend_from_slice(body);
        }
        input.extend_from_slice(b"{\"after\":true}\n");
        let expected = Frame::ContentLength(Some(body.to_vec()));
        assert_eq!(
            frames(&input, 1000),
            [
                expected,
                Frame::ContentLength(Some(body.to_vec())),
                Frame::Line("{\"after\":true}".into())
            ]
        );
    }

    #[test]
    fn framed_bodies_are_kept_only_up_to_the_limit_and_bad_lengths_still_answer() {
        let input = b"content-length: 30\n\n012345678901234567890123456789content-length: x\n\n";
        assert_eq!(
            frames(input, 20),
            [
                Frame::ContentLength(Some(b"01234567890123456789".to_vec())),
                Frame::ContentLength(None)
            ]
        );
        assert_eq!(
            frames(b"Content-Length: 5\r\n", 100),
            [Frame::ContentLength(None)]
        );
    }

    #[test]
    fn overlong_and_non_utf8_lines_are_reported_and_reading_goes_on() {
        let input = b"0123456789abc\n\xff\xfe\n{}\n";
        assert_eq!(
            frames(input, 8),
            [Frame::TooLong, Frame::NotUtf8, Frame::Line("{}".into())]
        );
    }
}

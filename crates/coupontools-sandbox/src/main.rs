//! The Coupontools sandbox as its own process: a local stand-in for the Coupontools API with
//! demo data, for trying the app or a client without a real account.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use coupontools_sandbox::{
    FailureStatus, Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
};

const DEFAULT_PORT: u16 = 8787;

const USAGE: &str = "\
coupontools-sandbox: a local Coupontools API with demo data (listens on 127.0.0.1 only)

Usage: coupontools-sandbox [options]

Options:
  --port N                        port to listen on (default 8787; 0 picks a free one)
  --latency-ms N                  wait N milliseconds before answering each API request
  --failure-status http200|semantic
                                  HTTP status of v3 failures: always 200 (default), or 401/422
  --no-email-integration          act as an account without an e-mail platform (send/email: 104)
  --slow-handling-ms N            send/email works N milliseconds on each request before it
                                  decides and answers; a client that gives up sooner does not
                                  stop it: the e-mail is sent anyway
  --non-atomic-check-unique       send/email checks check_unique before that wait and records the
                                  send after it, so two requests racing for one address both send
                                  (default: check and record under one lock)
  --rate-limit N                  rate-limited mode: N requests a second per account (client ID),
                                  429 with Retry-After beyond them (default 0: no limit)
  --workers N                     handle at most N requests at once; more wait, so answers slow
                                  down under load (default 0: any number)
  --help                          show this text

Control while running:
  POST   /_sandbox/faults    {\"fault\": {\"kind\": \"server_error\", \"status\": 503}, \"times\": 1, \"path_suffix\": \"send/email\"}
  DELETE /_sandbox/faults
           (fault kinds: server_error, too_many_requests, drop_connection, drop_after_handling,
            non_json, truncated, empty, ok_without_action, status_as_string)
  POST   /_sandbox/settings  {\"latency_ms\": 200, \"failure_status\": \"semantic\", \"email_integration\": false,
                              \"slow_handling_ms\": 800, \"atomic_check_unique\": false,
                              \"rate_limit_per_second\": 20, \"workers\": 16}
  GET    /_sandbox/stats[?email=addr]";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
enum ArgsError {
    #[error("{0} needs a value after it.")]
    MissingValue(&'static str),
    #[error("{flag} expects a whole number, not \"{value}\".")]
    NotANumber { flag: &'static str, value: String },
    #[error("--failure-status must be http200 or semantic, not \"{0}\".")]
    BadFailureStatus(String),
    #[error("Unknown option \"{0}\".")]
    Unknown(String),
}

#[derive(Debug, PartialEq)]
enum Command {
    Help,
    Run {
        port: u16,
        latency: Duration,
        failure_status: FailureStatus,
        email_integration: bool,
        slow_handling: Duration,
        atomic_check_unique: bool,
        rate_limit_per_second: u32,
        workers: u32,
    },
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, ArgsError> {
    let mut port = DEFAULT_PORT;
    let mut latency = Duration::ZERO;
    let mut failure_status = FailureStatus::Http200;
    let mut email_integration = true;
    let mut slow_handling = Duration::ZERO;
    let mut atomic_check_unique = true;
    let mut rate_limit_per_second = 0;
    let mut workers = 0;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Both "--port 9000" and "--port=9000".
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &'static str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(ArgsError::MissingValue(name))
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--port" => {
                let v = value("--port")?;
                port = v.trim().parse().map_err(|_| ArgsError::NotANumber {
                    flag: "--port",
                    value: v,
                })?;
            }
            "--latency-ms" => {
                let v = value("--latency-ms")?;
                let ms: u64 = v.trim().parse().map_err(|_| ArgsError::NotANumber {
                    flag: "--latency-ms",
                    value: v,
                })?;
                latency = Duration::from_millis(ms);
            }
            "--failure-status" => {
                let v = value("--failure-status")?;
                failure_status = FailureStatus::parse(&v).ok_or(ArgsError::BadFailureStatus(v))?;
            }
            "--no-email-integration" => email_integration = false,
            "--slow-handling-ms" => {
                let v = value("--slow-handling-ms")?;
                let ms: u64 = v.trim().parse().map_err(|_| ArgsError::NotANumber {
                    flag: "--slow-handling-ms",
                    value: v,
                })?;
                slow_handling = Duration::from_millis(ms);
            }
            "--non-atomic-check-unique" => atomic_check_unique = false,
            "--rate-limit" | "--workers" => {
                let flag = if flag == "--workers" {
                    "--workers"
                } else {
                    "--rate-limit"
                };
                let v = value(flag)?;
                let n: u32 = v
                    .trim()
                    .parse()
                    .map_err(|_| ArgsError::NotANumber { flag, value: v })?;
                if flag == "--workers" {
                    workers = n;
                } else {
                    rate_limit_per_second = n;
                }
            }
            _ => return Err(ArgsError::Unknown(arg)),
        }
    }
    Ok(Command::Run {
        port,
        latency,
        failure_status,
        email_integration,
        slow_handling,
        atomic_check_unique,
        rate_limit_per_second,
        workers,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Command::Run {
        port,
        latency,
        failure_status,
        email_integration,
        slow_handling,
        atomic_check_unique,
        rate_limit_per_second,
        workers,
    } = command
    else {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    };
    let config = SandboxConfig {
        latency,
        failure_status,
        email_integration,
        slow_handling,
        atomic_check_unique,
        rate_limit_per_second,
        workers,
        ..SandboxConfig::default()
    };
    let sandbox = match Sandbox::start_at(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), config)
        .await
    {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!("Port {port} is already in use. Start with --port and another number (or --port 0).");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("The sandbox could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Coupontools sandbox is running.");
    println!("  v3 API:        {}", sandbox.v3_url());
    println!("  v4 API:        {}", sandbox.v4_url());
    println!("  Client ID:     {DEMO_CLIENT_ID}");
    println!("  Client secret: {DEMO_CLIENT_SECRET}");
    println!(
        "  Settings:      latency {} ms, failures as {}, e-mail integration {}",
        latency.as_millis(),
        failure_status.as_str(),
        if email_integration { "on" } else { "off" }
    );
    println!(
        "                 send/email handling {} ms, check_unique {}",
        slow_handling.as_millis(),
        if atomic_check_unique {
            "atomic"
        } else {
            "not atomic"
        }
    );
    println!(
        "                 rate limit {}, workers {}",
        match rate_limit_per_second {
            0 => "off".to_owned(),
            n => format!("{n} requests a second per account"),
        },
        match workers {
            0 => "any number".to_owned(),
            n => n.to_string(),
        }
    );
    println!(
        "  Control:       http://{}/_sandbox/stats (see --help)",
        sandbox.addr()
    );
    println!("Press Ctrl-C to stop.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("Could not wait for Ctrl-C ({e}); stopping.");
    }
    sandbox.stop().await;
    println!("Stopped.");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, ArgsError> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn defaults() {
        assert_eq!(
            parse(&[]),
            Ok(Command::Run {
                port: DEFAULT_PORT,
                latency: Duration::ZERO,
                failure_status: FailureStatus::Http200,
                email_integration: true,
                slow_handling: Duration::ZERO,
                atomic_check_unique: true,
                rate_limit_per_second: 0,
                workers: 0,
            })
        );
    }

    #[test]
    fn every_flag() {
        assert_eq!(
            parse(&[
                "--port",
                "9001",
                "--latency-ms=250",
                "--failure-status",
                "semantic",
                "--no-email-integration",
                "--slow-handling-ms=800",
                "--non-atomic-check-unique",
                "--rate-limit",
                "20",
                "--workers=16",
            ]),
            Ok(Command::Run {
                port: 9001,
                latency: Duration::from_millis(250),
                failure_status: FailureStatus::Semantic,
                email_integration: false,
                slow_handling: Duration::from_millis(800),
                atomic_check_unique: false,
                rate_limit_per_second: 20,
                workers: 16,
            })
        );
        assert_eq!(parse(&["--port", "1", "--help"]), Ok(Command::Help));
    }

    #[test]
    fn help_names_every_flag_and_fault() {
        for word in [
            "--port",
            "--latency-ms",
            "--failure-status",
            "--no-email-integration",
            "--slow-handling-ms",
            "--non-atomic-check-unique",
            "--rate-limit",
            "--workers",
            "rate_limit_per_second",
            "ok_without_action",
            "status_as_string",
            "slow_handling_ms",
            "atomic_check_unique",
        ] {
            assert!(USAGE.contains(word), "{word}");
        }
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(parse(&["--port"]), Err(ArgsError::MissingValue("--port")));
        assert_eq!(
            parse(&["--port", "70000"]),
            Err(ArgsError::NotANumber {
                flag: "--port",
                value: "70000".into()
            })
        );
        assert_eq!(
            parse(&["--failure-status", "422"]),
            Err(ArgsError::BadFailureStatus("422".into()))
        );
        assert_eq!(
            parse(&["--slow-handling-ms", "soon"]),
            Err(ArgsError::NotANumber {
                flag: "--slow-handling-ms",
                value: "soon".into()
            })
        );
        assert_eq!(
            parse(&["--verbose"]),
            Err(ArgsError::Unknown("--verbose".into()))
        );
    }
}

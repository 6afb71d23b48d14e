//! Command-line tests (exit codes, JSON shape, error messages).

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn xcat_fit() -> Command {
    Command::cargo_bin("xcat-fit").unwrap()
}

#[test]
fn eval_prints_the_a2_wstat_as_json() {
    let pha = common::spectra("chandra_acis_3c273").join("3c273.pi");
    let out = xcat_fit()
        .args(["fit", "--pha"])
        .arg(&pha)
        .args(["--model", "powerlaw", "--stat", "wstat", "--eval", "--json"])
        .args([
            "--set",
            "powerlaw.PhoIndex=1.782",
            "--set",
            "powerlaw.norm=1.622e-4",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    // REFERENCE_VALUES.md A2, single grouped, all bins: 62.12275005769554 (rel 1e-6).
    let stat = v["stat"]["value"].as_f64().unwrap();
    assert!((stat / 62.12275005769554 - 1.0).abs() < 1e-6, "{stat}");
    assert_eq!(v["stat"]["name"], "wstat");
    assert_eq!(v["stat"]["numpoints"], 46);
    assert_eq!(v["stat"]["dof"], 44);
    assert_eq!(v["params"]["powerlaw.PhoIndex"]["value"], 1.782);
    assert_eq!(v["params"]["powerlaw.PhoIndex"]["frozen"], false);
    assert!(v["fluxes"]["0.5-2"]["energy"].as_f64().unwrap() > 0.0);
}

#[test]
fn fit_with_notice_and_freeze() {
    let pha = common::spectra("chandra_acis_3c273").join("3c273.pi");
    let out = xcat_fit()
        .args(["fit", "--pha"])
        .arg(&pha)
        .args([
            "--model",
            "wabs*powerlaw",
            "--stat",
            "chi2datavar",
            "--notice",
            "0.5:7",
        ])
        .args(["--freeze", "wabs.nH=0", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    // With nH frozen at 0 this is A3: gamma 1.9298 (rel 1e-4).
    let g = v["params"]["powerlaw.PhoIndex"]["value"].as_f64().unwrap();
    assert!((g / 1.9298 - 1.0).abs() < 1e-4, "{g}");
    assert_eq!(v["params"]["wabs.nH"]["frozen"], true);
    assert!(v["params"]["wabs.nH"]["error"].is_null());
}

#[test]
fn errors_exit_with_code_2_and_a_message() {
    let pha = common::spectra("chandra_acis_3c273").join("3c273.pi");
    xcat_fit()
        .args(["fit", "--pha", "/no/such/file.pi", "--model", "powerlaw"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
    xcat_fit()
        .args(["fit", "--pha"])
        .arg(&pha)
        .args(["--model", "powerlaw*foo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown component \"foo\""));
    xcat_fit()
        .args(["fit", "--pha"])
        .arg(&pha)
        .args(["--model", "powerlaw", "--set", "powerlaw.gamma=2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("powerlaw.PhoIndex"));
    xcat_fit()
        .args(["fit", "--pha"])
        .arg(&pha)
        .args(["--model", "powerlaw", "--notice", "7:0.5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty"));
    // An RMF whose channel count does not match the spectrum.
    let rmf = common::spectra("xmm_pn_sherpa").join("epn_ff20_dY9.rmf");
    xcat_fit()
        .args(["fit", "--pha"])
        .arg(&pha)
        .arg("--rmf")
        .arg(&rmf)
        .args(["--model", "powerlaw"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1024 channels").and(predicate::str::contains("4096")));
    // Missing required argument: clap's usage error, also exit code 2.
    xcat_fit()
        .args(["fit", "--model", "powerlaw"])
        .assert()
        .code(2);
}

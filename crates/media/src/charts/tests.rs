use super::*;

fn categories() -> Vec<String> {
    ["下水跑冒", "外墙排险修缮", "楼道灯检修"]
        .map(String::from)
        .to_vec()
}

fn sample() -> String {
    let series = [
        Series {
            name: "诉求数",
            values: vec![31, 18, 24],
        },
        Series {
            name: "门数",
            values: vec![22, 16, 20],
        },
    ];
    bar_chart("中期各类诉求", &categories(), &series, 900, 500).unwrap()
}

/// The text of every `<text>` element, in order.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let inner = &t[t.find('>').unwrap() + 1..];
            inner[..inner.find("</text>").unwrap()].trim().to_owned()
        })
        .collect()
}

#[test]
fn chinese_labels_values_and_series_names_are_drawn_as_text() {
    let svg = sample();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert!(svg.trim_end().ends_with("</svg>"));
    let texts = texts(&svg);
    for label in categories() {
        assert!(
            texts.contains(&label),
            "label {label} missing from {texts:?}"
        );
    }
    for value in ["31", "18", "24", "22", "16", "20"] {
        assert!(
            texts.iter().any(|t| t == value),
            "value {value} missing from {texts:?}"
        );
    }
    for name in ["诉求数", "门数", "中期各类诉求"] {
        assert!(
            texts.iter().any(|t| t == name),
            "{name} missing from {texts:?}"
        );
    }
}

#[test]
fn the_chart_is_an_accessible_image() {
    let svg = sample();
    let opening = &svg[..svg.find('>').unwrap()];
    assert!(opening.contains(r#"role="img""#));
    assert!(opening.contains(r#"aria-label="中期各类诉求""#));
    assert!(svg.contains("<title>中期各类诉求</title>"));
    assert!(svg.contains("<desc>下水跑冒: 诉求数 31, 门数 22; 外墙排险修缮: 诉求数 18, 门数 16;"));
}

#[test]
fn one_bar_per_value_in_the_series_colours() {
    let svg = sample();
    assert_eq!(
        svg.matches(r##"fill="#1F5FA8""##).count(),
        3 + 1,
        "3 bars and a legend swatch"
    );
    assert_eq!(svg.matches(r##"fill="#B34A0C""##).count(), 3 + 1);
}

#[test]
fn empty_data_gives_empty_axes_not_a_panic() {
    for svg in [
        bar_chart("暂无数据", &[], &[], 600, 300).unwrap(),
        bar_chart(
            "暂无数据",
            &[],
            &[Series {
                name: "诉求数",
                values: vec![],
            }],
            600,
            300,
        )
        .unwrap(),
        bar_chart(
            "全是零",
            &categories(),
            &[Series {
                name: "诉求数",
                values: vec![0, 0, 0],
            }],
            600,
            300,
        )
        .unwrap(),
        bar_chart(
            "极端",
            &categories(),
            &[Series {
                name: "x",
                values: vec![i64::MIN, 0, i64::MAX],
            }],
            600,
            300,
        )
        .unwrap(),
    ] {
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
        assert!(svg.contains("role=\"img\""));
    }
}

#[test]
fn negative_values_and_markup_in_labels_are_safe() {
    let labels = vec!["<b>&\"x\"".to_owned()];
    let svg = bar_chart(
        "a<b",
        &labels,
        &[Series {
            name: "Δ",
            values: vec![-5],
        }],
        400,
        300,
    )
    .unwrap();
    assert!(!svg.contains("<b>"));
    assert!(svg.contains("aria-label=\"a&lt;b\""));
    assert!(texts(&svg).iter().any(|t| t == "-5"));
}

#[test]
fn long_labels_wrap_instead_of_overlapping() {
    let labels: Vec<String> = (0..12)
        .map(|i| format!("第{i}类：楼道杂物清理与消防通道"))
        .collect();
    let series = [Series {
        name: "诉求数",
        values: (0..12).collect(),
    }];
    let svg = bar_chart("很多类别", &labels, &series, 600, 400).unwrap();
    let texts = texts(&svg);
    let label_lines: Vec<_> = texts[1..]
        .iter()
        .filter(|t| t.contains('类') || t.contains('…'))
        .collect();
    assert_eq!(texts[0], "很多类别");
    assert!(label_lines.len() >= 24, "{texts:?}");
    assert!(
        label_lines
            .iter()
            .all(|t| text_width(t, LABEL_PX) < 600.0 / 12.0),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.ends_with('…')),
        "over-long labels are cut: {texts:?}"
    );
}

#[test]
fn bad_input_is_an_error() {
    let series = [Series {
        name: "门数",
        values: vec![1, 2],
    }];
    assert_eq!(
        bar_chart("t", &categories(), &series, 900, 500),
        Err(ChartError::LengthMismatch {
            series: "门数".into(),
            values: 2,
            labels: 3
        })
    );
    assert_eq!(
        bar_chart("t", &[], &[], 10, 10),
        Err(ChartError::TooSmall {
            width: 10,
            height: 10
        })
    );
}

#[test]
fn sample_chart_for_eyes() {
    // Written for a person to look at (e.g. a headless Chromium screenshot); not asserted on.
    let _ = std::fs::write(std::env::temp_dir().join("bangbang-chart.svg"), sample());
}

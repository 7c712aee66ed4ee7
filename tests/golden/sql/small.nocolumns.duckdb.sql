SELECT
  *
  EXCLUDE ("_srg_row", "_srg_0_t", "_srg_1_v", "_srg_2_bad", "_srg_3_t", "_srg_4_v", "_srg_5_bad", "_srg_6_t", "_srg_7_v", "_srg_8_bad", "_srg_9_t", "_srg_10_n", "_srg_11_f", "_srg_12_i", "_srg_13_m", "_srg_14_neg", "_srg_15_v", "_srg_16_bad", "_srg_17_t", "_srg_18_d", "_srg_19_c", "_srg_20_v", "_srg_21_bad", "_srg_22_t", "_srg_23_d", "_srg_24_c", "_srg_25_v", "_srg_26_bad", "_srg_27_t", "_srg_28_v", "_srg_29_bad", "_srg_30_reject", "_srg_31_define", "_srg_32_include", "_srg_33_exclude", "_srg_34_exclude", "_srg_35_classify", "_srg_36_classify", "_srg_37_rejected", "_srg_38_excluded", "_srg_39_included", "_srg_40_types"),
  CASE
    WHEN "_srg_37_rejected"
    THEN 'rejected'
    WHEN "_srg_38_excluded" OR (
      NOT "_srg_39_included"
    )
    THEN 'excluded'
    WHEN "_srg_40_types" > 1
    THEN 'rejected'
    ELSE 'included'
  END AS "status",
  CASE
    WHEN (
      NOT "_srg_37_rejected"
    )
    AND (
      NOT "_srg_38_excluded"
    )
    AND "_srg_39_included"
    AND (
      NOT (
        "_srg_40_types" > 1
      )
    )
    THEN CASE WHEN "_srg_35_classify" THEN '40' WHEN "_srg_36_classify" THEN '42' END
  END AS "type",
  CASE
    WHEN "_srg_37_rejected"
    THEN CONCAT_WS(
      '|',
      CASE
        WHEN "_srg_2_bad"
        THEN CASE
          WHEN "_srg_0_t" IS NULL
          THEN 'missing_value:category'
          WHEN "_srg_1_v" IS NULL
          THEN 'unknown_code:category'
        END
      END,
      CASE
        WHEN "_srg_5_bad"
        THEN CASE
          WHEN "_srg_3_t" IS NULL
          THEN 'missing_value:funding'
          WHEN "_srg_4_v" IS NULL
          THEN 'unknown_code:funding'
        END
      END,
      CASE
        WHEN "_srg_8_bad"
        THEN CASE
          WHEN "_srg_6_t" IS NULL
          THEN 'missing_value:involved'
          WHEN "_srg_7_v" IS NULL
          THEN 'invalid_boolean:involved'
        END
      END,
      CASE
        WHEN "_srg_16_bad"
        THEN CASE
          WHEN "_srg_9_t" IS NULL
          THEN 'missing_value:hours'
          WHEN "_srg_15_v" IS NULL
          THEN 'invalid_number:hours'
        END
      END,
      CASE
        WHEN "_srg_21_bad"
        THEN CASE
          WHEN "_srg_17_t" IS NULL
          THEN 'missing_value:start_date'
          WHEN "_srg_20_v" IS NULL
          THEN 'invalid_date:start_date'
        END
      END,
      CASE
        WHEN "_srg_26_bad"
        THEN CASE
          WHEN "_srg_22_t" IS NULL
          THEN 'missing_value:end_date'
          WHEN "_srg_25_v" IS NULL
          THEN 'invalid_date:end_date'
        END
      END,
      CASE
        WHEN "_srg_29_bad"
        THEN CASE
          WHEN "_srg_27_t" IS NULL
          THEN 'missing_value:note'
          WHEN "_srg_28_v" IS NULL
          THEN 'invalid_text:note'
        END
      END,
      CASE WHEN "_srg_30_reject" THEN 'einde_voor_begin' END
    )
    WHEN "_srg_38_excluded"
    THEN CONCAT_WS(
      '|',
      CASE WHEN "_srg_33_exclude" THEN 'te_veel' END,
      CASE WHEN "_srg_34_exclude" THEN 'line-22' END
    )
    WHEN NOT "_srg_39_included"
    THEN 'no_include_matched'
    WHEN "_srg_40_types" > 1
    THEN CONCAT_WS(
      '|',
      'ambiguous_type',
      CASE WHEN "_srg_35_classify" THEN 'coaching' END,
      CASE WHEN "_srg_36_classify" THEN 'taal' END
    )
    ELSE CONCAT_WS(
      '|',
      CASE WHEN "_srg_32_include" THEN 'line-20' END,
      CASE
        WHEN "_srg_35_classify"
        THEN 'coaching'
        WHEN "_srg_36_classify"
        THEN 'taal'
        ELSE 'unclassified'
      END
    )
  END AS "reasons"
FROM (
  SELECT
    *,
    "_srg_33_exclude" OR "_srg_34_exclude" AS "_srg_38_excluded",
    CASE WHEN "_srg_35_classify" THEN 1 ELSE 0 END + CASE WHEN "_srg_36_classify" THEN 1 ELSE 0 END AS "_srg_40_types"
  FROM (
    SELECT
      *,
      COALESCE(
        CASE
          WHEN "_srg_12_i"
          THEN (
            FALSE AND (
              NOT "_srg_14_neg"
            )
          )
          OR (
            (
              FALSE = "_srg_14_neg"
            )
            AND (
              (
                (
                  NOT FALSE
                )
                AND (
                  (
                    16 < (
                      LENGTH("_srg_13_m")
                    )
                  )
                  OR (
                    (
                      16 = (
                        LENGTH("_srg_13_m")
                      )
                    )
                    AND (
                      '9007199254740993' < "_srg_13_m"
                    )
                  )
                )
              )
              OR (
                FALSE
                AND (
                  (
                    (
                      LENGTH("_srg_13_m")
                    ) < 16
                  )
                  OR (
                    (
                      (
                        LENGTH("_srg_13_m")
                      ) = 16
                    )
                    AND (
                      "_srg_13_m" < '9007199254740993'
                    )
                  )
                )
              )
            )
          )
          ELSE "_srg_15_v" >= 9007199254740994.0
        END,
        FALSE
      )
      OR COALESCE((
        "_srg_15_v" IN (12.5, 40.0)
      ), FALSE) AS "_srg_33_exclude",
      COALESCE("_srg_1_v" IN ('40', 'taal'), FALSE)
      AND (
        NOT COALESCE(
          CASE
            WHEN (
              "_srg_15_v" IS NULL
            ) OR (
              "_srg_15_v" IS NULL
            )
            THEN FALSE
            WHEN "_srg_12_i" AND "_srg_12_i"
            THEN NOT (
              (
                "_srg_14_neg" AND (
                  NOT "_srg_14_neg"
                )
              )
              OR (
                (
                  "_srg_14_neg" = "_srg_14_neg"
                )
                AND (
                  (
                    (
                      NOT "_srg_14_neg"
                    )
                    AND (
                      (
                        (
                          LENGTH("_srg_13_m")
                        ) < (
                          LENGTH("_srg_13_m")
                        )
                      )
                      OR (
                        (
                          (
                            LENGTH("_srg_13_m")
                          ) = (
                            LENGTH("_srg_13_m")
                          )
                        )
                        AND (
                          "_srg_13_m" < "_srg_13_m"
                        )
                      )
                    )
                  )
                  OR (
                    "_srg_14_neg"
                    AND (
                      (
                        (
                          LENGTH("_srg_13_m")
                        ) < (
                          LENGTH("_srg_13_m")
                        )
                      )
                      OR (
                        (
                          (
                            LENGTH("_srg_13_m")
                          ) = (
                            LENGTH("_srg_13_m")
                          )
                        )
                        AND (
                          "_srg_13_m" < "_srg_13_m"
                        )
                      )
                    )
                  )
                )
              )
            )
            WHEN (
              "_srg_15_v" <> "_srg_15_v"
            )
            OR (
              NOT (
                "_srg_12_i" OR "_srg_12_i"
              )
            )
            THEN "_srg_15_v" <= "_srg_15_v"
            WHEN (
              ABS("_srg_15_v")
            ) < 9007199254740992.0
            THEN TRUE
            ELSE CASE
              WHEN "_srg_12_i"
              THEN NOT (
                (
                  (
                    CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END < 0
                  )
                  AND (
                    NOT "_srg_14_neg"
                  )
                )
                OR (
                  (
                    (
                      CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END < 0
                    ) = "_srg_14_neg"
                  )
                  AND (
                    (
                      (
                        NOT (
                          CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END < 0
                        )
                      )
                      AND (
                        (
                          (
                            LENGTH(
                              CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                            )
                          ) < (
                            LENGTH("_srg_13_m")
                          )
                        )
                        OR (
                          (
                            (
                              LENGTH(
                                CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                              )
                            ) = (
                              LENGTH("_srg_13_m")
                            )
                          )
                          AND (
                            CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT) < "_srg_13_m"
                          )
                        )
                      )
                    )
                    OR (
                      (
                        CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END < 0
                      )
                      AND (
                        (
                          (
                            LENGTH("_srg_13_m")
                          ) < (
                            LENGTH(
                              CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                            )
                          )
                        )
                        OR (
                          (
                            (
                              LENGTH("_srg_13_m")
                            ) = (
                              LENGTH(
                                CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                              )
                            )
                          )
                          AND (
                            "_srg_13_m" < CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                          )
                        )
                      )
                    )
                  )
                )
              )
              ELSE NOT (
                (
                  "_srg_14_neg"
                  AND (
                    NOT (
                      CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END < 0
                    )
                  )
                )
                OR (
                  (
                    "_srg_14_neg" = (
                      CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END < 0
                    )
                  )
                  AND (
                    (
                      (
                        NOT "_srg_14_neg"
                      )
                      AND (
                        (
                          (
                            LENGTH("_srg_13_m")
                          ) < (
                            LENGTH(
                              CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                            )
                          )
                        )
                        OR (
                          (
                            (
                              LENGTH("_srg_13_m")
                            ) = (
                              LENGTH(
                                CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                              )
                            )
                          )
                          AND (
                            "_srg_13_m" < CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                          )
                        )
                      )
                    )
                    OR (
                      "_srg_14_neg"
                      AND (
                        (
                          (
                            LENGTH(
                              CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                            )
                          ) < (
                            LENGTH("_srg_13_m")
                          )
                        )
                        OR (
                          (
                            (
                              LENGTH(
                                CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT)
                              )
                            ) = (
                              LENGTH("_srg_13_m")
                            )
                          )
                          AND (
                            CAST(CAST(ABS(CASE WHEN "_srg_12_i" THEN "_srg_15_v" ELSE "_srg_15_v" END) AS BIGNUM) AS TEXT) < "_srg_13_m"
                          )
                        )
                      )
                    )
                  )
                )
              )
            END
          END,
          FALSE
        )
      ) AS "_srg_36_classify",
      "_srg_2_bad"
      OR "_srg_5_bad"
      OR "_srg_8_bad"
      OR "_srg_16_bad"
      OR "_srg_21_bad"
      OR "_srg_26_bad"
      OR "_srg_29_bad"
      OR "_srg_30_reject" AS "_srg_37_rejected"
    FROM (
      SELECT
        *,
        "_srg_12_i" AND (
          "_srg_10_n" LIKE '-%'
        ) AND (
          "_srg_13_m" <> '0'
        ) AS "_srg_14_neg",
        (
          NOT (
            "_srg_9_t" IS NULL
          )
        ) AND (
          "_srg_15_v" IS NULL
        ) AS "_srg_16_bad",
        "_srg_20_v" IS NULL AS "_srg_21_bad",
        (
          NOT (
            "_srg_22_t" IS NULL
          )
        ) AND (
          "_srg_25_v" IS NULL
        ) AS "_srg_26_bad",
        (
          NOT (
            "_srg_25_v" IS NULL
          )
        )
        AND COALESCE("_srg_25_v" < "_srg_20_v", FALSE) AS "_srg_30_reject",
        COALESCE("_srg_1_v" = 'coaching', FALSE)
        AND COALESCE("_srg_20_v" >= '20240131', FALSE) AS "_srg_35_classify",
        "_srg_32_include" AS "_srg_39_included"
      FROM (
        SELECT
          *,
          CASE
            WHEN NOT "_srg_12_i"
            THEN NULL
            WHEN (
              LTRIM(LTRIM("_srg_10_n", '+-'), '0')
            ) = ''
            THEN '0'
            ELSE LTRIM(LTRIM("_srg_10_n", '+-'), '0')
          END AS "_srg_13_m",
          CASE
            WHEN "_srg_12_i" OR (
              (
                ABS("_srg_11_f")
              ) < CAST('Infinity' AS DOUBLE)
            )
            THEN "_srg_11_f"
          END AS "_srg_15_v",
          CASE
            WHEN (
              (
                SUBSTRING("_srg_19_c", 1, 4)
              ) <> '0000'
            )
            AND (
              NOT (
                TRY_STRPTIME("_srg_19_c", '%Y%m%d') IS NULL
              )
            )
            THEN "_srg_19_c"
          END AS "_srg_20_v",
          CASE
            WHEN (
              (
                SUBSTRING("_srg_24_c", 1, 4)
              ) <> '0000'
            )
            AND (
              NOT (
                TRY_STRPTIME("_srg_24_c", '%Y%m%d') IS NULL
              )
            )
            THEN "_srg_24_c"
          END AS "_srg_25_v",
          "_srg_31_define"
          AND COALESCE(NOT (
            "_srg_1_v" IN ('it''s; -- \ "odd"')
          ), FALSE) AS "_srg_32_include"
        FROM (
          SELECT
            *,
            "_srg_1_v" IS NULL AS "_srg_2_bad",
            "_srg_4_v" IS NULL AS "_srg_5_bad",
            (
              NOT (
                "_srg_6_t" IS NULL
              )
            ) AND (
              "_srg_7_v" IS NULL
            ) AS "_srg_8_bad",
            CAST(REPLACE("_srg_10_n", ',', '.') AS DOUBLE) AS "_srg_11_f",
            COALESCE(
              (
                NOT "_srg_10_n" LIKE '%.%'
              )
              AND (
                NOT "_srg_10_n" LIKE '%,%'
              )
              AND (
                NOT "_srg_10_n" LIKE '%e%'
              )
              AND (
                NOT "_srg_10_n" LIKE '%E%'
              ),
              FALSE
            ) AS "_srg_12_i",
            REPLACE("_srg_18_d", '-', '') AS "_srg_19_c",
            REPLACE("_srg_23_d", '-', '') AS "_srg_24_c",
            (
              NOT (
                "_srg_27_t" IS NULL
              )
            ) AND (
              "_srg_28_v" IS NULL
            ) AS "_srg_29_bad",
            COALESCE("_srg_7_v", FALSE) OR COALESCE("_srg_4_v" = 'reintegratie', FALSE) AS "_srg_31_define",
            COALESCE("_srg_28_v" = 'x''y', FALSE) AS "_srg_34_exclude"
          FROM (
            SELECT
              *,
              CASE
                WHEN "_srg_0_t" IN ('40', 'coaching', 'it''s; -- \ "odd"', 'taal')
                THEN "_srg_0_t"
              END AS "_srg_1_v",
              CASE WHEN "_srg_3_t" IN ('inburgering', 'reintegratie') THEN "_srg_3_t" END AS "_srg_4_v",
              CASE
                WHEN LOWER("_srg_6_t") IN ('1', 'j', 'ja', 'true', 'waar', 'y', 'yes')
                THEN TRUE
                WHEN LOWER("_srg_6_t") IN ('0', 'false', 'n', 'nee', 'no', 'onwaar')
                THEN FALSE
              END AS "_srg_7_v",
              CASE
                WHEN REGEXP_MATCHES("_srg_9_t", '^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?$')
                THEN "_srg_9_t"
              END AS "_srg_10_n",
              CASE
                WHEN REGEXP_MATCHES("_srg_17_t", '^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})$')
                THEN "_srg_17_t"
              END AS "_srg_18_d",
              CASE
                WHEN REGEXP_MATCHES("_srg_22_t", '^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})$')
                THEN "_srg_22_t"
              END AS "_srg_23_d",
              "_srg_27_t" AS "_srg_28_v"
            FROM (
              SELECT
                *,
                CASE
                  WHEN CASE
                    WHEN (
                      ASCII("category") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("category", 1)) BETWEEN 33 AND 126
                    )
                    THEN "category"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "category",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("category", '	
                  　')
                      ELSE "category"
                    END
                  END IN ('')
                  THEN NULL
                  ELSE CASE
                    WHEN (
                      ASCII("category") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("category", 1)) BETWEEN 33 AND 126
                    )
                    THEN "category"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "category",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("category", '	
                  　')
                      ELSE "category"
                    END
                  END
                END AS "_srg_0_t",
                CASE
                  WHEN CASE
                    WHEN (
                      ASCII("funding") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("funding", 1)) BETWEEN 33 AND 126
                    )
                    THEN "funding"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "funding",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("funding", '	
                  　')
                      ELSE "funding"
                    END
                  END IN ('')
                  THEN NULL
                  ELSE CASE
                    WHEN (
                      ASCII("funding") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("funding", 1)) BETWEEN 33 AND 126
                    )
                    THEN "funding"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "funding",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("funding", '	
                  　')
                      ELSE "funding"
                    END
                  END
                END AS "_srg_3_t",
                CASE
                  WHEN CASE
                    WHEN (
                      ASCII("involved") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("involved", 1)) BETWEEN 33 AND 126
                    )
                    THEN "involved"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "involved",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("involved", '	
                  　')
                      ELSE "involved"
                    END
                  END IN ('')
                  THEN NULL
                  ELSE CASE
                    WHEN (
                      ASCII("involved") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("involved", 1)) BETWEEN 33 AND 126
                    )
                    THEN "involved"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "involved",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("involved", '	
                  　')
                      ELSE "involved"
                    END
                  END
                END AS "_srg_6_t",
                CASE
                  WHEN CASE
                    WHEN (
                      ASCII("hours") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("hours", 1)) BETWEEN 33 AND 126
                    )
                    THEN "hours"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "hours",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("hours", '	
                  　')
                      ELSE "hours"
                    END
                  END IN ('')
                  THEN NULL
                  ELSE CASE
                    WHEN (
                      ASCII("hours") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("hours", 1)) BETWEEN 33 AND 126
                    )
                    THEN "hours"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "hours",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("hours", '	
                  　')
                      ELSE "hours"
                    END
                  END
                END AS "_srg_9_t",
                CASE
                  WHEN CASE
                    WHEN (
                      ASCII("start_date") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("start_date", 1)) BETWEEN 33 AND 126
                    )
                    THEN "start_date"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "start_date",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("start_date", '	
                  　')
                      ELSE "start_date"
                    END
                  END IN ('', '00000000')
                  THEN NULL
                  ELSE CASE
                    WHEN (
                      ASCII("start_date") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("start_date", 1)) BETWEEN 33 AND 126
                    )
                    THEN "start_date"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "start_date",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("start_date", '	
                  　')
                      ELSE "start_date"
                    END
                  END
                END AS "_srg_17_t",
                CASE
                  WHEN CASE
                    WHEN (
                      ASCII("end_date") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("end_date", 1)) BETWEEN 33 AND 126
                    )
                    THEN "end_date"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "end_date",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("end_date", '	
                  　')
                      ELSE "end_date"
                    END
                  END IN ('', '00000000')
                  THEN NULL
                  ELSE CASE
                    WHEN (
                      ASCII("end_date") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("end_date", 1)) BETWEEN 33 AND 126
                    )
                    THEN "end_date"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "end_date",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("end_date", '	
                  　')
                      ELSE "end_date"
                    END
                  END
                END AS "_srg_22_t",
                CASE
                  WHEN CASE
                    WHEN (
                      ASCII("note") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("note", 1)) BETWEEN 33 AND 126
                    )
                    THEN "note"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "note",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("note", '	
                  　')
                      ELSE "note"
                    END
                  END IN ('')
                  THEN NULL
                  ELSE CASE
                    WHEN (
                      ASCII("note") BETWEEN 33 AND 126
                    )
                    AND (
                      ASCII(RIGHT("note", 1)) BETWEEN 33 AND 126
                    )
                    THEN "note"
                    ELSE CASE
                      WHEN REGEXP_MATCHES(
                        "note",
                        '^[	
                  　]|[	
                  　]$'
                      )
                      THEN TRIM("note", '	
                  　')
                      ELSE "note"
                    END
                  END
                END AS "_srg_27_t"
              FROM (
                SELECT
                  *,
                  ROW_NUMBER() OVER () AS "_srg_row"
                FROM "records" AS "_srg_source"
              ) AS "_srg_input"
            ) AS "_srg_stage1"
          ) AS "_srg_stage2"
        ) AS "_srg_stage3"
      ) AS "_srg_stage4"
    ) AS "_srg_stage5"
  ) AS "_srg_stage6"
) AS "_srg_stage7"
ORDER BY
  "_srg_row"

{#- Statistics in plain SQL arithmetic (exp, sqrt, ln), so that they run on any warehouse. -#}

{#- Standard normal CDF, Abramowitz & Stegun 26.2.17 (absolute error below 7.5e-8). -#}
{% macro normal_cdf(x) -%}
    (case when ({{ x }}) >= 0 then 1 - {{ _normal_upper_tail(x) }} else {{ _normal_upper_tail(x) }} end)
{%- endmacro %}

{% macro _normal_upper_tail(x) -%}
    (exp(-0.5 * ({{ x }}) * ({{ x }})) / sqrt(2 * pi())
        * (1.0 / (1 + 0.2316419 * abs({{ x }})))
        * (0.319381530 + (1.0 / (1 + 0.2316419 * abs({{ x }})))
            * (-0.356563782 + (1.0 / (1 + 0.2316419 * abs({{ x }})))
                * (1.781477937 + (1.0 / (1 + 0.2316419 * abs({{ x }})))
                    * (-1.821255978 + 1.330274429 * (1.0 / (1 + 0.2316419 * abs({{ x }}))))))))
{%- endmacro %}

{#- Upper-tail p-value of a chi-square statistic: exact for 1 and 2 degrees of freedom,
    Wilson-Hilferty's normal approximation above. -#}
{% macro chi_square_p_value(statistic, dof) -%}
    (case
        when ({{ dof }}) = 1 then 2 * (1 - {{ normal_cdf('sqrt(' ~ statistic ~ ')') }})
        when ({{ dof }}) = 2 then exp(-({{ statistic }}) / 2)
        else 1 - {{ normal_cdf(
            '(power((' ~ statistic ~ ') / (' ~ dof ~ '), 1.0 / 3) - (1 - 2.0 / (9 * (' ~ dof ~ '))))'
            ~ ' / sqrt(2.0 / (9 * (' ~ dof ~ ')))'
        ) }}
    end)
{%- endmacro %}

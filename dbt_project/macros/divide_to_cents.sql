{#- numerator / divisor rounded half up to the cent, exactly. Many warehouses divide decimals
    in floating point, which can land a true half cent on the wrong side; this takes the
    floating-point result as a candidate and corrects it with exact decimal comparisons only.
    numerator must be a column or an expression safe to repeat; divisor a positive integer. -#}
{% macro divide_to_cents(numerator, divisor) -%}
    {%- set quotient = "cast(" ~ numerator ~ " as " ~ float_type() ~ ") / " ~ divisor -%}
    {%- set q = "cast(" ~ round_float(quotient, 2) ~ " as decimal(18, 2))" -%}
    cast(case
        when {{ numerator }} >= ({{ q }} + 0.005) * {{ divisor }} then {{ q }} + 0.01
        when {{ numerator }} < ({{ q }} - 0.005) * {{ divisor }} then {{ q }} - 0.01
        else {{ q }}
    end as decimal(18, 2))
{%- endmacro %}

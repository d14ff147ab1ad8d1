{%- set first_day = '2010-01-01' -%}
{%- set last_day = '2035-12-31' -%}
{%- set month_names_fr = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
                          'septembre', 'octobre', 'novembre', 'décembre'] -%}
{%- set day_names_fr = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'] -%}

with days as (
    select cast(day_ts as date) as date_day
    from unnest(generate_series(date '{{ first_day }}', date '{{ last_day }}', interval 1 day)) as t(day_ts)
),

calendar as (
    select
        date_day,
        cast(year(date_day) as integer) as year,
        cast(quarter(date_day) as integer) as quarter,
        cast(month(date_day) as integer) as month,
        {{ "['" ~ month_names_fr | join("', '") ~ "']" }}[month(date_day)] as month_name_fr,
        cast(isoyear(date_day) as integer) as iso_year,
        cast(weekofyear(date_day) as integer) as iso_week,
        cast(isodow(date_day) as integer) as day_of_week,
        {{ "['" ~ day_names_fr | join("', '") ~ "']" }}[isodow(date_day)] as day_name_fr,
        isodow(date_day) >= 6 as is_weekend,
        cast(date_trunc('month', date_day) as date) as year_month
    from days
)

select * from calendar

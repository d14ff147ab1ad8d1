/* Observatoire des clauses sociales : section « Programmes ».
 * Per programme (Grand Paris Express, JOP 2024, ANRU, autres opérations) and year: hours committed by the project
 * owners, planned by the contracts and worked, people, and exits by outcome, from the open-data sets
 * grands_programmes and sorties_grands_programmes (window.OBSERVATOIRE_DATA.programmes, written by dataviz.py),
 * with the helpers app.js shares (window.dataviz.outils).
 * A masked value (secret statistique) is never drawn as 0: no bar, and the table says "secret statistique". */
(function () {
  'use strict';

  const DATA = window.OBSERVATOIRE_DATA.programmes;
  const { SECRET, ABSENT, nombre, options, initGraphique } = window.dataviz.outils;
  const HEURES = [
    { champ: 'heuresEngagees', libelle: 'Heures engagées', couleur: '#7a52b3' },
    { champ: 'heuresPrevues', libelle: 'Heures prévues', couleur: '#86acdb' },
    { champ: 'heuresRealisees', libelle: 'Heures réalisées', couleur: '#c0642b' },
  ];
  const ORDRE_ISSUES = ['emploi_durable', 'emploi_transition', 'sortie_positive', 'autre_sortie', 'inconnue'];

  // One entry per programme and year: the row of grands_programmes and the exits by outcome.
  const lignes = new Map(); // "programme|annee" -> ligne
  function ligne(programme, annee) {
    const cle = programme + '|' + annee;
    if (!lignes.has(cle)) lignes.set(cle, { programme: programme, annee: annee, sorties: new Map() });
    return lignes.get(cle);
  }
  DATA.lignes.forEach(function (l) {
    Object.assign(ligne(l[0], l[1]), {
      publie: true, operations: l[2], marches: l[3], heuresEngagees: l[4], heuresPrevues: l[5], heuresRealisees: l[6],
      beneficiaires: l[7], secret: l[8] === 1,
    });
  });
  DATA.sorties.forEach(function (l) {
    ligne(l[0], l[1]).sorties.set(l[2], { valeur: l[3], secret: l[4] === 1 });
  });
  const programmes = Array.from(new Set(DATA.lignes.map(function (l) { return l[0]; })
    .concat(DATA.sorties.map(function (l) { return l[0]; }))));
  const issues = Object.keys(DATA.issues).filter(function (code) { return code !== 'ensemble'; }).sort(function (a, b) {
    return rang(a) - rang(b);
  });
  function rang(code) {
    const r = ORDRE_ISSUES.indexOf(code);
    return r < 0 ? ORDRE_ISSUES.length : r;
  }

  const etat = { programme: programmes[0] || '' };
  const select = document.getElementById('programmes-programme');
  options(select, programmes.map(function (code) { return { valeur: code, texte: DATA.libelles[code] || code }; }));
  select.addEventListener('change', function () { etat.programme = select.value; afficher(); });

  const entete = document.getElementById('programmes-entete');
  ['Année', 'Opérations', 'Marchés'].concat(HEURES.map(function (h) { return h.libelle; }), ['Bénéficiaires', 'Sorties'],
    issues.map(function (code) { return 'dont ' + DATA.issues[code].toLowerCase(); })).forEach(function (libelle) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = libelle;
    entete.appendChild(th);
  });

  const chart = initGraphique('programmes-heures');

  /** Text of a published value: the number, "secret statistique" when masked, "aucune donnée" when absent. */
  function texte(valeur, secret) {
    if (valeur === null || valeur === undefined) return secret ? SECRET : ABSENT;
    return nombre.format(valeur);
  }
  function cellule(rangee, valeur, secret) {
    const td = document.createElement('td');
    td.textContent = texte(valeur, secret);
    if ((valeur === null || valeur === undefined) && secret) td.className = 'est-secret';
    rangee.appendChild(td);
  }

  function afficher() {
    select.value = etat.programme;
    const annees = Array.from(lignes.values()).filter(function (l) { return l.programme === etat.programme; })
      .sort(function (a, b) { return a.annee - b.annee; });
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 4, containLabel: true },
      xAxis: { type: 'category', data: annees.map(function (l) { return String(l.annee); }) },
      yAxis: { type: 'value', axisLabel: { formatter: function (v) { return nombre.format(v); } } },
      series: HEURES.map(function (h) {
        return {
          type: 'bar', name: h.libelle, itemStyle: { color: h.couleur }, barMaxWidth: 28,
          data: annees.map(function (l) { return l[h.champ] === null || l[h.champ] === undefined ? '-' : l[h.champ]; }),
        };
      }),
    }, true);

    const corps = document.getElementById('programmes-tableau');
    corps.replaceChildren();
    annees.forEach(function (l) {
      const rangee = document.createElement('tr');
      rangee.dataset.annee = String(l.annee);
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = String(l.annee);
      rangee.appendChild(th);
      cellule(rangee, l.operations, false);
      cellule(rangee, l.marches, false);
      HEURES.forEach(function (h) { cellule(rangee, l[h.champ], h.champ === 'heuresRealisees' && l.secret); });
      cellule(rangee, l.beneficiaires, l.secret);
      ['ensemble'].concat(issues).forEach(function (code) {
        const s = l.sorties.get(code);
        cellule(rangee, s ? s.valeur : null, s ? s.secret : false);
      });
      corps.appendChild(rangee);
    });
    document.getElementById('programmes-note').textContent = (DATA.libelles[etat.programme] || etat.programme)
      + " : heures engagées par les maîtres d'ouvrage, prévues par les marchés notifiés dans l'année et réalisées ; "
      + "bénéficiaires de l'année et sorties de l'année par issue (une personne ayant travaillé sur plusieurs "
      + 'programmes compte dans chacun).';
  }

  if (!programmes.length) {
    document.getElementById('programmes-note').textContent = "Aucune donnée de programme n'a encore été publiée.";
    select.disabled = true;
  } else {
    afficher();
  }
  window.datavizProgrammes = { etat: etat, graphique: chart, afficher: afficher, pret: true };
}());

/* Section « Marchés publics » : contracts notified per year, with or without a social consideration, by buyer type,
 * CPV division and buyer département, and the reconciliation of declared and tracked contracts. Reads
 * window.OBSERVATOIRE_DATA.marches (open data marches_clauses_sociales and rapprochement_decp_suivi, written by
 * dataviz.py): counts of contracts, no statistical secrecy applies. Draws with the helpers of app.js
 * (window.dataviz.outils). */
(function () {
  'use strict';

  const MARCHES = window.OBSERVATOIRE_DATA.marches;
  const outils = window.dataviz.outils;
  const nombre = outils.nombre;
  const pourcent = outils.pourcent;
  const millions = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const TOUTES = '';
  const INCONNU = 'inconnu';
  const COULEURS = {
    avec: '#2e8b6b', sans: '#8fa6c4', inconnue: '#d5dae2', montant: '#c0642b', part: '#e8590c',
    rapprochement: '#2b5ea7',
  };
  const SERIES = [
    { cle: 'avec', nom: 'avec considération sociale' },
    { cle: 'sans', nom: 'sans considération sociale' },
    { cle: 'inconnue', nom: 'considération inconnue (format 2019)' },
  ];
  const FORMAT_2024 = 'La considération sociale (clause, critère ou marché réservé) n\'est connue que pour les '
    + 'marchés publiés au format 2024 des DECP ; la part est calculée sur ces marchés.';

  const nomsDepartements = new Map(window.OBSERVATOIRE_DATA.territoires.filter(function (t) {
    return t[0] === 'departement';
  }).map(function (t) { return [t[1], t[2]]; }));
  function nomDepartement(code) {
    if (code === INCONNU) return 'Département inconnu';
    return nomsDepartements.has(code) ? nomsDepartements.get(code) + ' (' + code + ')' : 'Département ' + code;
  }
  function libelleSecteur(index) {
    const s = MARCHES.secteurs[index];
    return s[0] === INCONNU ? s[1] : s[0] + ' – ' + s[1];
  }

  const lignes = MARCHES.lignes.map(function (l) {
    return {
      annee: l[0], departement: l[1], type: l[2], secteur: l[3], marches: l[4], connue: l[5], avec: l[6],
      clause: l[7], montant: l[8],
    };
  });
  const annees = Array.from(new Set(lignes.map(function (l) { return l.annee; }))).sort(function (a, b) {
    return a - b;
  });
  /** Default year: the latest with at least a tenth of the contracts of the busiest year (a stray late
   * notification does not make a year). */
  function anneeParDefaut() {
    const parAnnee = new Map();
    lignes.forEach(function (l) { parAnnee.set(l.annee, (parAnnee.get(l.annee) || 0) + l.marches); });
    const max = Math.max.apply(null, Array.from(parAnnee.values()));
    const retenues = annees.filter(function (a) { return parAnnee.get(a) * 10 >= max; });
    return retenues.length ? retenues[retenues.length - 1] : TOUTES;
  }
  const etat = { annee: anneeParDefaut(), departement: TOUTES, type: TOUTES, indicateur: 'marches' };

  /** Lines matching the filters, except the one on `sauf` (the dimension a chart breaks down). */
  function selection(sauf) {
    return lignes.filter(function (l) {
      return (sauf === 'annee' || etat.annee === TOUTES || l.annee === etat.annee)
        && (sauf === 'departement' || etat.departement === TOUTES || l.departement === etat.departement)
        && (sauf === 'type' || etat.type === TOUTES || l.type === etat.type);
    });
  }
  function somme(liste) {
    const s = { marches: 0, connue: 0, avec: 0, clause: 0, montant: 0 };
    liste.forEach(function (l) {
      s.marches += l.marches; s.connue += l.connue; s.avec += l.avec; s.clause += l.clause; s.montant += l.montant;
    });
    s.sans = s.connue - s.avec;
    s.inconnue = s.marches - s.connue;
    s.part = s.connue > 0 ? s.avec / s.connue : null;
    return s;
  }
  /** Sums per value of a dimension, as [{cle, libelle, somme}]. */
  function parDimension(liste, dimension, libelle) {
    const groupes = new Map();
    liste.forEach(function (l) {
      if (!groupes.has(l[dimension])) groupes.set(l[dimension], []);
      groupes.get(l[dimension]).push(l);
    });
    return Array.from(groupes.entries()).map(function (e) {
      return { cle: e[0], libelle: libelle(e[0]), somme: somme(e[1]) };
    });
  }
  function texteMontant(euros) { return millions.format(euros / 1e6) + ' M€'; }
  function infobulle(titre, s) {
    return '<strong>' + titre + '</strong><br>' + nombre.format(s.marches) + ' marchés notifiés<br>'
      + nombre.format(s.avec) + ' avec considération sociale, ' + nombre.format(s.sans) + ' sans, '
      + nombre.format(s.inconnue) + ' inconnue<br>Part avec considération sociale : '
      + (s.part === null ? 'non connue' : pourcent.format(s.part)) + '<br>' + nombre.format(s.clause)
      + ' avec clause sociale<br>Montant : ' + texteMontant(s.montant);
  }

  // ------------------------------------------------------------------------------------------------- filters
  const selAnnee = document.getElementById('marches-annee');
  const selDepartement = document.getElementById('marches-departement');
  const selType = document.getElementById('marches-type');
  function inconnuEnDernier(a, b) { return (a.code === INCONNU) - (b.code === INCONNU); }
  outils.options(selAnnee, [{ valeur: TOUTES, texte: 'Toutes les années' }].concat(annees.slice().reverse().map(
    function (a) { return { valeur: String(a), texte: String(a) }; },
  )));
  outils.options(selDepartement, [{ valeur: TOUTES, texte: 'Tous les départements' }].concat(
    Array.from(new Set(lignes.map(function (l) { return l.departement; }))).map(function (code) {
      return { code: code, valeur: code, texte: nomDepartement(code) };
    }).sort(function (a, b) {
      return inconnuEnDernier(a, b) || a.code.localeCompare(b.code, 'fr', { numeric: true });
    }),
  ));
  outils.options(selType, [{ valeur: TOUTES, texte: 'Tous les types' }].concat(MARCHES.types.map(function (t, i) {
    return { code: t[0], valeur: String(i), texte: t[1] };
  }).sort(function (a, b) { return inconnuEnDernier(a, b) || a.texte.localeCompare(b.texte, 'fr'); })));
  selAnnee.value = String(etat.annee);
  selAnnee.addEventListener('change', function () {
    etat.annee = selAnnee.value === TOUTES ? TOUTES : Number(selAnnee.value);
    afficher();
  });
  selDepartement.addEventListener('change', function () { etat.departement = selDepartement.value; afficher(); });
  selType.addEventListener('change', function () {
    etat.type = selType.value === TOUTES ? TOUTES : Number(selType.value);
    afficher();
  });
  document.querySelectorAll('#marches-indicateur button').forEach(function (b) {
    b.addEventListener('click', function () {
      etat.indicateur = b.dataset.indicateur;
      document.querySelectorAll('#marches-indicateur button').forEach(function (autre) {
        autre.setAttribute('aria-pressed', String(autre === b));
      });
      afficher();
    });
  });

  // --------------------------------------------------------------------------------------------------- charts
  const graphiques = {
    annees: outils.initGraphique('marches-graphique-annees'),
    types: outils.initGraphique('marches-graphique-types'),
    secteurs: outils.initGraphique('marches-graphique-secteurs'),
    departements: outils.initGraphique('marches-graphique-departements'),
    rapprochement: outils.initGraphique('marches-graphique-rapprochement'),
  };

  function chiffre(id, valeur, texte, note) {
    const el = document.getElementById('marches-chiffre-' + id);
    el.textContent = texte;
    el.dataset.valeur = valeur === null ? '' : String(valeur);
    el.classList.toggle('est-absent', valeur === null);
    document.getElementById('marches-note-' + id).textContent = note;
  }
  function afficherChiffres(s) {
    chiffre('marches', s.marches, nombre.format(s.marches), 'Marchés déclarés dans les DECP, notifiés '
      + (etat.annee === TOUTES ? 'sur toutes les années' : 'en ' + etat.annee) + '.');
    chiffre('part', s.part, s.part === null ? 'non connue' : pourcent.format(s.part),
      nombre.format(s.avec) + ' marchés avec considération sociale sur ' + nombre.format(s.connue)
      + ' dont elle est connue (format 2024 des DECP).');
    chiffre('clause', s.clause, nombre.format(s.clause), 'Clause sociale dans les conditions d\'exécution.');
    chiffre('montant', s.montant, texteMontant(s.montant), 'Montant actuel hors taxes, hors montants aberrants.');
  }

  /** Contracts per year (stacked by social consideration) and the share with one, on the other filters. */
  function afficherAnnees() {
    const groupes = parDimension(selection('annee'), 'annee', String).sort(function (a, b) { return a.cle - b.cle; });
    const chart = graphiques.annees;
    if (!groupes.length) { outils.message(chart, 'Aucun marché pour ce choix.'); return; }
    const categories = groupes.map(function (g) { return g.libelle; });
    const series = SERIES.map(function (s) {
      return {
        type: 'bar', stack: 'marches', name: s.nom, barMaxWidth: 36, itemStyle: { color: COULEURS[s.cle] },
        data: groupes.map(function (g) { return g.somme[s.cle]; }),
      };
    });
    series.push({
      type: 'line', name: 'part avec considération sociale', yAxisIndex: 1, connectNulls: false, symbolSize: 7,
      itemStyle: { color: COULEURS.part }, data: groupes.map(function (g) { return g.somme.part; }),
    });
    chart.setOption({
      animation: false,
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 8, top: 40, bottom: 4, containLabel: true },
      tooltip: {
        trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true,
        formatter: function (p) { return infobulle(p[0].name, groupes[p[0].dataIndex].somme); },
      },
      xAxis: { type: 'category', data: categories, axisLabel: { fontSize: 11 } },
      yAxis: [
        { type: 'value', name: 'marchés', axisLabel: { fontSize: 11 } },
        {
          type: 'value', name: 'part', min: 0, max: 1, splitLine: { show: false },
          axisLabel: { fontSize: 11, formatter: function (v) { return pourcent.format(v); } },
        },
      ],
      series: series,
    }, true);
  }

  /** Horizontal bars per value of a dimension: contracts stacked by social consideration, or their amount. */
  function barresParDimension(chart, groupes) {
    const montant = etat.indicateur === 'montant';
    outils.hauteur(chart, Math.max(groupes.length, 2) + (montant ? 0 : 2));
    if (!groupes.length) { outils.message(chart, 'Aucun marché pour ce choix.'); return; }
    const series = montant ? [{
      type: 'bar', name: 'montant', barMaxWidth: 18, itemStyle: { color: COULEURS.montant },
      data: groupes.map(function (g) { return Math.round(g.somme.montant / 1e5) / 10; }),
      label: {
        show: true, position: 'right', fontSize: 11,
        formatter: function (p) { return millions.format(p.value) + ' M€'; },
      },
    }] : SERIES.map(function (s) {
      return {
        type: 'bar', stack: 'marches', name: s.nom, barMaxWidth: 18, itemStyle: { color: COULEURS[s.cle] },
        data: groupes.map(function (g) { return g.somme[s.cle]; }),
      };
    });
    chart.setOption({
      animation: false,
      legend: { show: !montant, top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 50, top: montant ? 4 : 50, bottom: 4, containLabel: true },
      tooltip: {
        trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true,
        formatter: function (p) { return infobulle(p[0].name, groupes[p[0].dataIndex].somme); },
      },
      xAxis: { type: 'value', axisLabel: { show: false }, splitLine: { show: false } },
      yAxis: {
        type: 'category', inverse: true, data: groupes.map(function (g) { return g.libelle; }),
        axisTick: { show: false }, axisLabel: { width: 220, overflow: 'truncate', fontSize: 11, color: '#333a47' },
      },
      series: series,
    }, true);
  }
  function parValeur(a, b) {
    const cle = etat.indicateur === 'montant' ? 'montant' : 'marches';
    return (a.cle === INCONNU) - (b.cle === INCONNU) || b.somme[cle] - a.somme[cle]
      || a.libelle.localeCompare(b.libelle, 'fr');
  }
  function afficherRepartitions() {
    barresParDimension(graphiques.types, parDimension(selection('type'), 'type', function (i) {
      return MARCHES.types[i][1];
    }).sort(parValeur));
    barresParDimension(graphiques.secteurs, parDimension(selection(), 'secteur', libelleSecteur).sort(parValeur));
    barresParDimension(graphiques.departements, parDimension(selection('departement'), 'departement',
      nomDepartement).sort(parValeur));
  }

  /** Declared vs tracked, contracts of the buyers having at least one tracked contract (region, every type). */
  function afficherRapprochement() {
    const groupes = new Map();
    MARCHES.rapprochement.forEach(function (l) {
      if (etat.annee !== TOUTES && l[0] !== etat.annee) return;
      groupes.set(l[1], (groupes.get(l[1]) || 0) + l[2]);
    });
    const liste = Array.from(groupes.entries()).map(function (e) {
      const categorie = MARCHES.categories_rapprochement[e[0]];
      return { modalite: categorie[0], libelle: categorie[1], lu: { etat: 'valeur', valeur: e[1] } };
    }).sort(function (a, b) { return b.lu.valeur - a.lu.valeur; });
    document.getElementById('marches-note-rapprochement').textContent = 'Marchés des acheteurs ayant au moins un '
      + 'marché suivi par un facilitateur, notifiés ' + (etat.annee === TOUTES ? 'sur toutes les années'
      : 'en ' + etat.annee) + ', toute l\'Île-de-France (les filtres de département et de type ne s\'y appliquent '
      + 'pas).';
    outils.hauteur(graphiques.rapprochement, Math.max(liste.length, 2));
    if (!liste.length) {
      outils.message(graphiques.rapprochement, 'Aucun marché suivi rapproché des DECP pour ce choix.');
      return;
    }
    outils.barresHorizontales(graphiques.rapprochement, liste, { unite: 'marchés', couleur: COULEURS.rapprochement });
  }

  function afficher() {
    const s = somme(selection());
    afficherChiffres(s);
    afficherAnnees();
    afficherRepartitions();
    afficherRapprochement();
    const choix = [etat.annee === TOUTES ? 'toutes les années' : String(etat.annee)];
    if (etat.departement !== TOUTES) choix.push(nomDepartement(etat.departement));
    if (etat.type !== TOUTES) choix.push(MARCHES.types[etat.type][1]);
    document.getElementById('marches-contexte').textContent = 'Marchés notifiés : ' + choix.join(' · ') + '. '
      + FORMAT_2024;
  }

  if (!lignes.length) {
    document.getElementById('marches-contexte').textContent = 'Aucun fichier DECP n\'a encore été chargé : les '
      + 'marchés publics s\'afficheront après le chargement des premières données essentielles.';
    [selAnnee, selDepartement, selType].forEach(function (s) { s.disabled = true; });
    Object.keys(graphiques).forEach(function (k) { outils.message(graphiques[k], 'Aucun marché publié.'); });
  } else {
    afficher();
  }
  window.dataviz.marches = { etat: etat, graphiques: graphiques, pret: true };
}());
